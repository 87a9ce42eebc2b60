import type { RawCounts } from '../../src/analysis/profiles/profile.js'

/** One block of `radon cc -j` output. */
export interface RadonBlock {
  type: string
  name: string
  classname?: string
  lineno: number
  endline: number
  complexity: number
}

/** `radon hal -j` figures: h1, h2, N1, N2, then the derived ones. */
export type HalsteadReport = [number, number, number, number, ...number[]]

/** What radon says about one file (cc, mi, raw and hal together). */
export interface RadonReport {
  cc: RadonBlock[]
  mi: number
  raw: RawCounts
  hal: { total: HalsteadReport; functions: [string, HalsteadReport][] }
}

/** The name radon prints for a block: `Class.method`, `outer.inner`, `Outer.Inner`. */
export function radonName(block: RadonBlock): string {
  return block.classname ? `${block.classname}.${block.name}` : block.name
}
