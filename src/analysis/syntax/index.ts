import type { Language } from '../language-registry.js'
import type { Tree } from '../parser.js'
import type { SyntaxErrorFound } from '../walk.js'
import { syntaxErrorReports, type SyntaxErrorReport } from './tree-errors.js'
import { preprocessorVerdict } from './preprocessor.js'
import { grammarLimitsVerdict } from './grammar-limits.js'
import { typescriptVerdict } from './typescript.js'
import type { SyntaxWarningReport } from '../../schemas/analysis.js'

export type { SyntaxErrorReport, SyntaxWarningReport }

/** What a file's syntax check found, and whose verdict it is. */
export interface SyntaxVerdict {
  errors: SyntaxErrorReport[]
  warnings: SyntaxWarningReport[]
  checker: 'typescript' | 'tree-sitter'
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
 * A language's second opinion on tree-sitter's verdict: it gets the tree's verdict and returns
 * the one to report (the same, an authority's own, or some errors turned into warnings).
 */
export type SyntaxAuthority = (input: SyntaxInput, fromTree: SyntaxVerdict) => SyntaxVerdict

/** Per language id, the authority over tree-sitter's verdict; a language not listed keeps it. */
const AUTHORITIES: Readonly<Record<string, SyntaxAuthority>> = {
  javascript: typescriptVerdict,
  typescript: typescriptVerdict,
  tsx: typescriptVerdict,
}

/**
 * The verdict on a file's validity. Metrics always come from tree-sitter; whether the file is
 * valid, and where it is not, comes from the language's authority where one runs in process.
 */
export function checkSyntax(input: SyntaxInput): SyntaxVerdict {
  const fromTree: SyntaxVerdict = {
    errors: syntaxErrorReports(input.found, input.lines),
    warnings: [],
    checker: 'tree-sitter',
  }
  const authority =
    AUTHORITIES[input.language.id] ??
    (input.language.grammar_limits ? grammarLimitsVerdict : undefined) ??
    (input.language.syntax ? preprocessorVerdict : undefined)
  return authority ? authority(input, fromTree) : fromTree
}
