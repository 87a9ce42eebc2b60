import { createRequire } from 'node:module'
import type * as TypeScript from 'typescript'
import type { SyntaxInput, SyntaxVerdict } from './verdict.js'
import type { SyntaxErrorReport } from './tree-errors.js'

const MAX_ERRORS = 100
const MAX_SNIPPET = 200

/**
 * The compiler is required on first use, not at start-up: it costs about 320 ms to load, and most
 * files (every file tree-sitter finds valid) never need it.
 */
let loaded: typeof TypeScript | null = null
function typescript(): typeof TypeScript {
  loaded ??= createRequire(import.meta.url)('typescript') as typeof TypeScript
  return loaded
}

/**
 * The file name tells the compiler which syntax to expect. JavaScript is read as JSX: real
 * JavaScript corpora (React code in .js files) hold JSX, and JSX adds no reading of plain
 * JavaScript that differs (a `<` cannot begin an expression otherwise).
 */
const FILE_NAMES: Readonly<Record<string, string>> = {
  javascript: 'input.jsx',
  typescript: 'input.ts',
  tsx: 'input.tsx',
}

function scriptKind(ts: typeof TypeScript, fileName: string): TypeScript.ScriptKind {
  if (fileName.endsWith('.jsx')) return ts.ScriptKind.JSX
  if (fileName.endsWith('.tsx')) return ts.ScriptKind.TSX
  return ts.ScriptKind.TS
}

/**
 * The compiler's syntactic diagnostics of one file. For TypeScript these are the parser's; for
 * JavaScript they add what the parser accepts but a JavaScript file may not hold (type
 * annotations, `interface`), which only a program reports, so a one-file program is made
 * around the source, with no library and no imports resolved.
 */
export function typescriptDiagnostics(
  code: string,
  languageId: string,
): { file: TypeScript.SourceFile; diagnostics: readonly TypeScript.Diagnostic[] } {
  const ts = typescript()
  const fileName = FILE_NAMES[languageId] ?? 'input.ts'
  const file = ts.createSourceFile(
    fileName,
    code,
    { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone },
    false,
    scriptKind(ts, fileName),
  )
  if (!fileName.endsWith('.jsx')) {
    return { file, diagnostics: (file as unknown as ParsedFile).parseDiagnostics }
  }
  const options: TypeScript.CompilerOptions = {
    allowJs: true,
    noLib: true,
    noResolve: true,
    jsx: ts.JsxEmit.Preserve,
    types: [],
  }
  const host: TypeScript.CompilerHost = {
    getSourceFile: (name) => (name === fileName ? file : undefined),
    getDefaultLibFileName: () => 'lib.d.ts',
    writeFile: () => undefined,
    getCurrentDirectory: () => '/',
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (name) => name === fileName,
    readFile: () => undefined,
  }
  const program = ts.createProgram({ rootNames: [fileName], options, host })
  return { file, diagnostics: program.getSyntacticDiagnostics(file) }
}

/** The parser's own diagnostics, which `createSourceFile` keeps on the file it returns. */
interface ParsedFile {
  parseDiagnostics: readonly TypeScript.Diagnostic[]
}

function snippet(line: string): string {
  return line.length > MAX_SNIPPET ? `${line.slice(0, MAX_SNIPPET)}…` : line
}

/** The compiler's syntax errors in the report's shape: 1-based lines, columns in characters. */
export function typescriptErrors(
  code: string,
  lines: readonly string[],
  languageId: string,
): SyntaxErrorReport[] {
  const ts = typescript()
  const { file, diagnostics } = typescriptDiagnostics(code, languageId)
  // The parser reports some errors late (an unclosed JSX tag once it meets the file's end).
  const inOrder = [...diagnostics].sort((a, b) => (a.start ?? 0) - (b.start ?? 0))
  return inOrder.slice(0, MAX_ERRORS).map((diagnostic) => {
    const start = diagnostic.start ?? 0
    const from = file.getLineAndCharacterOfPosition(start)
    const to = file.getLineAndCharacterOfPosition(start + (diagnostic.length ?? 0))
    return {
      line: from.line + 1,
      column: from.character + 1,
      end_line: to.line + 1,
      end_column: to.character + 1,
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '),
      source_line: snippet(lines[from.line] ?? ''),
    }
  })
}

/**
 * JavaScript, TypeScript and TSX: the compiler's parser is the authority. It runs only when
 * tree-sitter finds an error (a file tree-sitter reads cleanly is taken as valid): there it
 * confirms the error with its own positions and message, or overrules a grammar's false error,
 * such as `` sql<Row[]>`select 1` `` (a tagged template with type arguments).
 */
export function typescriptVerdict(input: SyntaxInput, fromTree: SyntaxVerdict): SyntaxVerdict {
  if (fromTree.errors.length === 0) return fromTree
  let errors: SyntaxErrorReport[]
  try {
    errors = typescriptErrors(input.code, input.lines, input.language.id)
  } catch (error) {
    // The compiler's parser recurses: thousands of nested brackets overflow the stack. Such input
    // is invalid whichever parser says so, and tree-sitter (iterative) has said where.
    if (error instanceof RangeError) return fromTree
    throw error
  }
  return { errors, warnings: fromTree.warnings, checker: 'typescript' }
}
