import type { FileResult, FileViolation } from '../result.js'
import type { Summary } from '../summary.js'

/** Where a format writes its text: standard output, in pieces, as results come. */
export type Write = (text: string) => void

/**
 * An output format. It writes what it can as each file's result arrives (in input order), and
 * holds nothing it does not need for its ending.
 */
export interface Writer {
  file(result: FileResult): void
  end(summary: Summary, violations: readonly FileViolation[]): void
}
