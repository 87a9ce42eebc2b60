import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { relative } from 'node:path'
import { CONTENT_HINT_WINDOW } from '../../analysis/language-lookup.js'
import { violations as thresholdViolations } from '../../analysis/thresholds.js'
import { parseAnalyzeArguments, UsageError, type AnalyzeArguments } from './arguments.js'
import { findFiles } from './files.js'
import { writerFor } from './formats/index.js'
import { loadLanguages } from './languages.js'
import { Progress } from './progress.js'
import type { FileViolation } from './result.js'
import { analyseInOrder, type FileTask, type RunSettings } from './run.js'
import { Summary } from './summary.js'
import { ANALYZE_USAGE } from './usage.js'

export { ANALYZE_USAGE } from './usage.js'

/** The start of a file, as much as language detection reads; undefined when unreadable. */
function headOf(path: string): string | undefined {
  try {
    const fd = openSync(path, 'r')
    try {
      const buffer = Buffer.alloc(CONTENT_HINT_WINDOW)
      return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8')
    } finally {
      closeSync(fd)
    }
  } catch {
    return undefined
  }
}

function usageError(message: string): number {
  console.error(`verigen analyze: ${message}\n\n${ANALYZE_USAGE}`)
  return 2
}

/** The files to analyse, in order, each with its language or the reason it cannot be. */
async function tasksFor(
  args: AnalyzeArguments,
  onMissing: (path: string) => void,
): Promise<FileTask[]> {
  const registry = await loadLanguages()
  const forced = args.language ? registry.resolve(args.language) : undefined
  const only = args.changedSince
    ? (await import('./changed.js')).changedFiles(args.paths, args.changedSince)
    : undefined
  const tasks: FileTask[] = []
  for await (const file of findFiles(args.paths, { excludes: args.excludes, only }, onMissing)) {
    const content = !forced && registry.readsContent(file.path) ? headOf(file.path) : undefined
    const language = forced ?? registry.detect(file.path, content)
    const shown = relative(process.cwd(), file.path) || file.path
    if (language) tasks.push({ path: file.path, shown, language })
    else if (file.explicit)
      tasks.push({ path: file.path, shown, error: 'unknown file type; pass --language' })
  }
  return tasks
}

type Limits = Pick<RunSettings, 'timeoutMs' | 'memoryBytes' | 'maxFileBytes'>

/**
 * The smallest ANALYSIS_MAX_FILE_BYTES the configuration accepts (config.ts): a lone file below
 * it is analysed in this process without reading the configuration, whose validation costs
 * more than the analysis. Its time and memory are not bounded then, and nothing else is read.
 */
const SMALLEST_FILE_LIMIT = 1024

/** The analysis limits of the configuration, read only when they can matter. */
async function limitsFor(tasks: readonly FileTask[]): Promise<Limits> {
  const analysable = tasks.filter((task) => !task.error)
  const lone =
    analysable.length === 0 ||
    (analysable.length === 1 && statSync(analysable[0]!.path).size < SMALLEST_FILE_LIMIT)
  if (lone) return { timeoutMs: 0, memoryBytes: 0, maxFileBytes: SMALLEST_FILE_LIMIT }
  const { analysis } = (await import('../../config.js')).loadConfig()
  return {
    timeoutMs: analysis.timeoutMs,
    memoryBytes: analysis.workerMemoryBytes,
    maxFileBytes: analysis.maxFileBytes,
  }
}

/** `verigen analyze`: the same analysis as `POST /api/analyze`, over files and directories. */
export async function analyzeCommand(argv: string[]): Promise<number> {
  let args: AnalyzeArguments
  try {
    args = parseAnalyzeArguments(argv)
  } catch (error) {
    return usageError((error as Error).message)
  }
  if (args.help) {
    console.log(ANALYZE_USAGE)
    return 0
  }

  // A missing path is reported and skipped: the other paths are still analysed.
  let missing = 0
  let tasks: FileTask[]
  try {
    tasks = await tasksFor(args, (path) => {
      console.error(`verigen analyze: no such file or directory '${path}'`)
      missing++
    })
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message)
    // An unknown --language: the registry's own message names it and the supported ones.
    console.error(`verigen analyze: ${(error as Error).message}`)
    return 2
  }

  let limits: Limits
  try {
    limits = await limitsFor(tasks)
  } catch (error) {
    console.error(`verigen analyze: ${(error as Error).message}`)
    return 2
  }

  const thresholds = { maxCyclomatic: args.maxCyclomatic, maxCognitive: args.maxCognitive }
  const limited = args.maxCyclomatic !== undefined || args.maxCognitive !== undefined
  const options = {
    ...(args.radonCompat ? { radonCompat: args.radonCompat } : {}),
    ...(args.cyclomaticVariant ? { cyclomaticVariant: args.cyclomaticVariant } : {}),
    ...(args.maxCyclomatic !== undefined ? { maxCyclomatic: args.maxCyclomatic } : {}),
    ...(args.maxCognitive !== undefined ? { maxCognitive: args.maxCognitive } : {}),
  }
  const writer = await writerFor(args.format, (text) => process.stdout.write(text), {
    header: args.header,
    withViolations: limited,
  })
  const summary = new Summary()
  const violations: FileViolation[] = []
  const progress = new Progress(tasks.length)
  let done = 0
  for await (const result of analyseInOrder(tasks, {
    jobs: args.jobs,
    ...limits,
    options,
  })) {
    summary.add(result)
    if (limited && result.report)
      for (const violation of thresholdViolations(result.report.functions, thresholds))
        violations.push({ path: result.path, ...violation })
    writer.file(result)
    progress.update(++done)
  }
  progress.end()
  writer.end(summary, violations)

  if (violations.length > 0) {
    const lines = violations.map(
      (item) =>
        `  ${item.path}:${item.line}: ${item.function} ${item.metric} ${item.value} > ${item.limit}`,
    )
    console.error(
      `verigen analyze: ${violations.length} function(s) past the limits:\n${lines.join('\n')}`,
    )
  }
  if (missing > 0 || summary.failed > 0) return 3
  if (args.failOnSyntaxError && summary.invalid > 0) return 1
  return violations.length > 0 ? 1 : 0
}
