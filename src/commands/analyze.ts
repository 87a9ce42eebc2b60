import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import type { AnalysisReport } from '../analysis/engine.js'
import { loadLanguageRegistry, type Language } from '../analysis/language-registry.js'
import { AnalysisPool } from '../analysis/worker-pool.js'
import { loadConfig, type Config } from '../config.js'
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
                           ESLint complexity variant for JS/TS (default classic)

Each file is analysed in a worker process within ANALYSIS_TIMEOUT_MS and
ANALYSIS_WORKER_MEMORY, at most ANALYSIS_MAX_FILE_BYTES (see README.md).

Exit codes:
  0  every file was analysed (and, with --fail-on-syntax-error, parses)
  1  --fail-on-syntax-error, and a file does not parse
  2  usage error (option, format, language, configuration); nothing analysed
  3  a PATH does not exist (named on stderr), or a file could not be analysed
     (unreadable, too large, unknown type, past the time or memory limit; in
     the report); the other files are analysed and reported`

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

interface FileTask {
  path: string
  shown: string
  language: Language
}

/** Analyses the files in the worker pool, as many at once as it has workers; results in order. */
async function analyseAll(
  tasks: FileTask[],
  analysis: Config['analysis'],
  options: { radonCompat?: '5.1'; cyclomaticVariant?: 'modified' },
): Promise<FileResult[]> {
  const pool = new AnalysisPool({
    size: analysis.workers,
    timeoutMs: analysis.timeoutMs,
    memoryBytes: analysis.workerMemoryBytes,
  })
  const results: FileResult[] = new Array(tasks.length)
  let next = 0
  const runner = async () => {
    while (next < tasks.length) {
      const index = next++
      const task = tasks[index]!
      try {
        const buffer = await readFile(task.path)
        if (buffer.length > analysis.maxFileBytes) {
          results[index] = {
            path: task.shown,
            error: `larger than ${analysis.maxFileBytes} bytes (ANALYSIS_MAX_FILE_BYTES); skipped`,
          }
          continue
        }
        const { json } = await pool.run(buffer.toString('utf8'), task.language.id, options)
        results[index] = { path: task.shown, report: JSON.parse(json) as AnalysisReport }
      } catch (error) {
        results[index] = { path: task.shown, error: (error as Error).message }
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: analysis.workers }, runner))
  } finally {
    await pool.close()
  }
  return results
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
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    console.error(`verigen analyze: ${(error as Error).message}`)
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

  // A missing path is reported and skipped: the other paths are still analysed.
  let missing = 0
  const unknown: FileResult[] = []
  const tasks: FileTask[] = []
  for (const root of positionals) {
    try {
      await stat(root)
    } catch {
      console.error(`verigen analyze: no such file or directory '${root}'`)
      missing++
      continue
    }
    for await (const file of filesUnder(root, true)) {
      const language = forced ?? registry.detect(file.path)
      if (!language) {
        if (file.explicit)
          unknown.push({ path: file.path, error: `unknown file type; pass --language` })
        continue
      }
      tasks.push({
        path: file.path,
        shown: relative(process.cwd(), file.path) || file.path,
        language,
      })
    }
  }
  const results = [...unknown, ...(await analyseAll(tasks, config.analysis, options))]
  const failed = results.filter((result) => result.error).length

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
  if (missing > 0 || failed > 0) return 3
  return values['fail-on-syntax-error'] && summary.syntax_invalid > 0 ? 1 : 0
}
