import { syntaxErrorReports, type SyntaxErrorReport } from './tree-errors.js'
import type { SyntaxAuthority, SyntaxInput, SyntaxVerdict } from './verdict.js'
import type { SyntaxWarningReport } from '../../schemas/analysis.js'

export type { SyntaxAuthority, SyntaxErrorReport, SyntaxInput, SyntaxVerdict, SyntaxWarningReport }

// The authorities are loaded on first use: most languages need none, and two of them load
// tree-sitter's binding through the ES module loader, which costs start-up time.
const typescriptVerdict = async () => (await import('./typescript.js')).typescriptVerdict
const grammarLimitsVerdict = async () => (await import('./grammar-limits.js')).grammarLimitsVerdict
const preprocessorVerdict = async () => (await import('./preprocessor.js')).preprocessorVerdict

/** Per language id, the authority over tree-sitter's verdict; a language not listed keeps it. */
const AUTHORITIES: Readonly<Record<string, () => Promise<SyntaxAuthority>>> = {
  javascript: typescriptVerdict,
  typescript: typescriptVerdict,
  tsx: typescriptVerdict,
}

/**
 * The verdict on a file's validity. Metrics always come from tree-sitter; whether the file is
 * valid, and where it is not, comes from the language's authority where one runs in process.
 */
export async function checkSyntax(input: SyntaxInput): Promise<SyntaxVerdict> {
  const fromTree: SyntaxVerdict = {
    errors: syntaxErrorReports(input.found, input.lines),
    warnings: [],
    checker: 'tree-sitter',
  }
  // A language with macros reads its grammar's listed gaps in the preprocessor's verdict.
  const authority =
    AUTHORITIES[input.language.id] ??
    (input.language.syntax?.macros ? preprocessorVerdict : undefined) ??
    (input.language.grammar_limits ? grammarLimitsVerdict : undefined) ??
    (input.language.syntax ? preprocessorVerdict : undefined)
  return authority ? (await authority())(input, fromTree) : fromTree
}
