import type { Language } from '../language-registry.js'
import type { Tree } from '../parser.js'
import type { SyntaxErrorFound } from '../walk.js'
import { syntaxErrorReports, type SyntaxErrorReport } from './tree-errors.js'
import type { SyntaxWarningReport } from '../../schemas/analysis.js'

export type { SyntaxErrorReport, SyntaxWarningReport }

/** What a file's syntax check found, and whose verdict it is. */
export interface SyntaxVerdict {
  errors: SyntaxErrorReport[]
  warnings: SyntaxWarningReport[]
  checker: string
}

export interface SyntaxInput {
  code: string
  lines: readonly string[]
  language: Language
  tree: Tree
  /** The ERROR and MISSING nodes the walk met. */
  found: readonly SyntaxErrorFound[]
}

/**
 * The verdict on a file's validity. Metrics always come from tree-sitter; whether the file is
 * valid, and where it is not, comes from the language's authority where one runs in process.
 */
export function checkSyntax(input: SyntaxInput): SyntaxVerdict {
  return {
    errors: syntaxErrorReports(input.found, input.lines),
    warnings: [],
    checker: 'tree-sitter',
  }
}
