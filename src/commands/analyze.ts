import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { analyzeSource, type AnalysisReport } from '../analysis/engine.js'
import { loadLanguageRegistry, type Language } from '../analysis/language-registry.js'
import type { AppError } from '../errors.js'

export const ANALYZE_USAGE = `Usage: verigen analyze [options] PATH...

Analyses files, or directories recursively (node_modules, .git and files of
unknown type are skipped).

Options:
  --format json|table      Output format (default: table)
  --language <id>          Treat every file as this language
  --fail-on-syntax-error   Exit 1 when a file does not parse
  --radon-compat 6.0|5.1   Python match semantics (default 6.0)
  --cyclomatic-variant classic|modified
                           ESLint complexity variant for JS/TS (default classic)`

const SKIPPED_DIRECTORIES = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.venv',
  'venv',
  'dist',
  'target',
])
const MAX_FILE_BYTES = 1024 * 1024

interface FileResult {
  path: string
  report?: AnalysisReport
  error?: string
}

async function* filesUnder(
  path: string,
  explicit: boolean,
): AsyncGenerator<{ path: string; explicit: boolean }> {
  const info = await stat(path)
  if (info.isFile()) {
    yield { path, explicit }
    return
  }
  if (!info.isDirectory()) return
  const entries = await readdir(path, { withFileTypes: true })
  entries.sort((a, b) => a.name.localeCompare(b.name))
  for (const entry of entries) {
    if (entry.isDirectory() && (SKIPPED_DIRECTORIES.has(entry.name) || entry.name.startsWith('.')))
      continue
    if (entry.isDirectory() || entry.isFile()) yield* filesUnder(join(path, entry.name), false)
  }
}

function table(results: FileResult[]): string {
  const rows = ['  NLOC    CCN    COG  PARAM  LENGTH  LOCATION', '-'.repeat(78)]
  for (const result of results) {
    if (!result.report) continue
    for (const unit of result.report.functions) {
      rows.push(
        [
          String(unit.nloc).padStart(6),
          String(unit.cyclomatic_complexity).padStart(6),
          String(unit.cognitive_complexity).padStart(6),
          String(unit.parameters).padStart(6),
          String(unit.length).padStart(7),
          `  ${unit.qualified_name}@${unit.start_line}-${unit.end_line}@${result.path}`,
        ].join(''),
      )
    }
  }
  return rows.join('\n')
}

function summarise(results: FileResult[]) {
  const reports = results.flatMap((result) => (result.report ? [result.report] : []))
  const functions = reports.flatMap((report) => report.functions)
  const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0)
  const average = (values: number[]) =>
    values.length > 0 ? Math.round((total(values) / values.length) * 100) / 100 : 0
  return {
    files: results.length,
    analysed: reports.length,
    failed: results.length - reports.length,
    syntax_invalid: reports.filter((report) => !report.syntax_valid).length,
    syntax_errors: total(reports.map((report) => report.syntax_errors.length)),
    lines_of_code: total(reports.map((report) => report.metrics.lines.code)),
    functions: functions.length,
    average_cyclomatic_complexity: average(functions.map((unit) => unit.cyclomatic_complexity)),
    average_cognitive_complexity: average(functions.map((unit) => unit.cognitive_complexity)),
    average_nloc: average(functions.map((unit) => unit.nloc)),
    average_maintainability_index: average(
      reports.map((report) => report.metrics.maintainability_index),
    ),
    issues: total(reports.map((report) => report.issues.length)),
  }
}

/** `verigen analyze`: the same analysis as `POST /api/analyze`, over files and directories. */
export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', default: 'table' },
      language: { type: 'string' },
      'fail-on-syntax-error': { type: 'boolean', default: false },
      'radon-compat': { type: 'string' },
      'cyclomatic-variant': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(ANALYZE_USAGE)
    return 0
  }
  if (positionals.length === 0 || !['json', 'table'].includes(values.format ?? '')) {
    console.error(
      `verigen analyze: ${positionals.length === 0 ? 'no PATH given' : `unknown format '${values.format}'`}\n\n${ANALYZE_USAGE}`,
    )
    return 2
  }
  const registry = loadLanguageRegistry()
  let forced: Language | undefined
  try {
    forced = values.language ? registry.resolve(values.language) : undefined
  } catch (error) {
    console.error(`verigen analyze: ${(error as AppError).message}`)
    return 2
  }
  const options = {
    ...(values['radon-compat'] === '5.1' ? { radonCompat: '5.1' as const } : {}),
    ...(values['cyclomatic-variant'] === 'modified'
      ? { cyclomaticVariant: 'modified' as const }
      : {}),
  }

  const results: FileResult[] = []
  for (const root of positionals) {
    try {
      await stat(root)
    } catch {
      console.error(`verigen analyze: no such file or directory '${root}'`)
      return 2
    }
    for await (const file of filesUnder(root, true)) {
      const language = forced ?? registry.detect(file.path)
      if (!language) {
        if (file.explicit)
          results.push({ path: file.path, error: `unknown file type; pass --language` })
        continue
      }
      const shown = relative(process.cwd(), file.path) || file.path
      const buffer = await readFile(file.path)
      if (buffer.length > MAX_FILE_BYTES) {
        results.push({ path: shown, error: `larger than ${MAX_FILE_BYTES} bytes; skipped` })
        continue
      }
      try {
        results.push({
          path: shown,
          report: await analyzeSource(buffer.toString('utf8'), language, options),
        })
      } catch (error) {
        results.push({ path: shown, error: (error as Error).message })
      }
    }
  }

  const summary = summarise(results)
  if (values.format === 'json') {
    const files = results.map((result) =>
      result.report
        ? { path: result.path, ...result.report }
        : { path: result.path, error: result.error },
    )
    process.stdout.write(`${JSON.stringify({ files, summary })}\n`)
  } else {
    console.log(table(results))
    for (const result of results) if (result.error) console.log(`! ${result.path}: ${result.error}`)
    for (const result of results) {
      for (const error of result.report?.syntax_errors ?? []) {
        console.log(`! ${result.path}:${error.line}:${error.column}: ${error.message}`)
      }
    }
    console.log(
      `\n${summary.files} file(s), ${summary.functions} function(s), ${summary.lines_of_code} lines of code; ` +
        `average CCN ${summary.average_cyclomatic_complexity}, cognitive ${summary.average_cognitive_complexity}, ` +
        `NLOC ${summary.average_nloc}, MI ${summary.average_maintainability_index}; ` +
        `${summary.syntax_invalid} file(s) with syntax errors`,
    )
  }
  return values['fail-on-syntax-error'] && summary.syntax_invalid > 0 ? 1 : 0
}
