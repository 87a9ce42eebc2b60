/**
 * The zip of a generation: its code, its tests and its documentation, under the file names the
 * result gives them. Pure, so it is tested by unzipping; `fflate` loads only when asked for.
 */
import type { GenerationResult } from '../api/generation-types.js'

export interface ZipFile {
  name: string
  content: string
}

/** The files of a result: code, tests when there are any, README.md when there are docs. */
export function generationFiles(
  result: Pick<GenerationResult, 'code' | 'filename' | 'tests' | 'documentation'>,
): ZipFile[] {
  const files: ZipFile[] = [
    { name: safeName(result.filename, 'solution.txt'), content: result.code },
  ]
  if (result.tests) {
    files.push({ name: safeName(result.tests.filename, 'tests.txt'), content: result.tests.code })
  }
  if (result.documentation) files.push({ name: 'README.md', content: result.documentation.content })
  return files
}

/** A file name without directories or parent references, so unzipping cannot escape its folder. */
export function safeName(name: string, fallback: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/^\.+/, '').trim()
  return base || fallback
}

/** The zip archive of `files`, as bytes. */
export async function zipFiles(files: ZipFile[]): Promise<Uint8Array> {
  const { zipSync, strToU8 } = await import('fflate')
  const entries: Record<string, Uint8Array> = {}
  for (const file of files) {
    let name = file.name
    for (let copy = 2; name in entries; copy++) name = `${copy}-${file.name}`
    entries[name] = strToU8(file.content)
  }
  return zipSync(entries, { level: 6 })
}

/** The zip of a result's code, tests and docs. */
export function zipGeneration(
  result: Pick<GenerationResult, 'code' | 'filename' | 'tests' | 'documentation'>,
): Promise<Uint8Array> {
  return zipFiles(generationFiles(result))
}
