import type { Language } from '../language-registry.js'
import type { Tree } from '../parser.js'
import type { SyntaxErrorFound } from '../walk.js'
import type { SyntaxErrorReport, SyntaxWarningReport } from '../../schemas/analysis.js'

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
