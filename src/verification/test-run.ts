import { constants } from 'node:os'
import type { Language } from '../analysis/language-registry.js'
import type { Sandbox, SandboxResult } from '../ports/sandbox.js'
import type { TestCounts, Verification } from '../schemas/verification.js'
import { preparedCache } from './cache.js'
import { parseReport, type ParsedReport } from './reports/index.js'
import type { VerificationRules } from './rules.js'
import { trimOutput } from './trim.js'
import {
  expandPlaceholders,
  workspaceRequest,
  type RunLimits,
  type TestFiles,
} from './workspace.js'

export type { RunLimits, TestFiles } from './workspace.js'

/** Verification minus rounds/test_quality: one run's outcome. Never throws for what the code does. */
export type TestRun = Omit<Verification, 'rounds' | 'test_quality'>

/** Where the script notes each step's start and exit code, read back to know how far it got. */
const PHASE_FILE = '.verification-phases'

const NO_TESTS: TestCounts = { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0 }

/**
 * One shell script running the steps in order, each in a subshell so that a `cd` or `exit` in
 * a command stays there; a failing compile step ends the script, a test step's exit code is
 * only noted (its report decides).
 */
function buildScript(rules: VerificationRules, limits: RunLimits): string {
  const lines = [`: > ${PHASE_FILE}`]
  rules.steps.forEach((step, index) => {
    lines.push(
      `echo 'start ${index}' >> ${PHASE_FILE}`,
      '(',
      expandPlaceholders(step.command, limits),
      ') < /dev/null',
      'status=$?',
      `echo "end ${index} $status" >> ${PHASE_FILE}`,
    )
    if (step.phase === 'compile') lines.push('[ "$status" -eq 0 ] || exit "$status"')
  })
  return `${lines.join('\n')}\n`
}

/** Which steps started, and the exit code of those that ended. */
function readPhases(text: string | undefined): {
  started: Set<number>
  ended: Map<number, number>
} {
  const started = new Set<number>()
  const ended = new Map<number, number>()
  for (const line of (text ?? '').split('\n')) {
    const match = /^(start|end) (\d+)(?: (\d+))?$/.exec(line)
    if (!match) continue
    if (match[1] === 'start') started.add(Number(match[2]))
    else ended.set(Number(match[2]), Number(match[3] ?? 0))
  }
  return { started, ended }
}

function limitReason(limit: NonNullable<SandboxResult['limit']>, limits: RunLimits): string {
  if (limit === 'time') return `time limit (VERIFY_TIMEOUT_MS=${limits.timeoutMs})`
  if (limit === 'memory') return `memory limit (VERIFY_MEMORY_MB=${limits.memoryMb})`
  return `output limit (VERIFY_OUTPUT_BYTES=${limits.outputBytes})`
}

const SIGNAL_NAMES = new Map(
  Object.entries(constants.signals).map(([name, number]) => [number, name]),
)

/** How a step ended, from its shell exit status (128 + n: killed by signal n). */
function howItEnded(status: number | undefined, result: SandboxResult): string {
  if (status === undefined) {
    return result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`
  }
  const signal = status > 128 ? SIGNAL_NAMES.get(status - 128) : undefined
  return signal ? `was killed by ${signal}` : `exited with ${status}`
}

/** A run that did not happen, and why. */
export function skipped(reason: string, runner: string | null): TestRun {
  return {
    status: 'skipped',
    reason,
    runner,
    tests: { ...NO_TESTS },
    cases: [],
    duration_ms: 0,
    output: '',
  }
}

/** The status and reason a finished sandbox run earns, per the semantics of `verification`. */
function judge(
  rules: VerificationRules,
  result: SandboxResult,
  report: ParsedReport | null,
  limits: RunLimits,
): Pick<TestRun, 'status' | 'reason'> {
  const { started, ended } = readPhases(result.files[PHASE_FILE])
  if (result.limit) return { status: 'error', reason: limitReason(result.limit, limits) }
  const compileFailed = rules.steps.some(
    (step, index) => step.phase === 'compile' && (ended.get(index) ?? 0) !== 0,
  )
  if (compileFailed) return { status: 'failed', reason: 'compile error' }
  const testStep = rules.steps.findLastIndex(
    (step, index) => step.phase === 'test' && started.has(index),
  )
  if (testStep === -1) {
    return {
      status: 'error',
      reason: `the run stopped before the tests (it ${howItEnded(undefined, result)})`,
    }
  }
  const testEnding = howItEnded(ended.get(testStep), result)
  if (!report) return { status: 'error', reason: `no test report (the test runner ${testEnding})` }
  const { counts } = report
  const failing = counts.failed + counts.errors
  if (failing > 0) return { status: 'failed', reason: `${failing} of ${counts.total} tests failed` }
  const finished = rules.steps.every((_, index) => ended.has(index))
  if (!report.complete || !finished) {
    return {
      status: 'error',
      reason: `the test runner stopped before it finished (it ${testEnding})`,
    }
  }
  if (counts.passed === 0) return { status: 'failed', reason: 'no test ran' }
  return { status: 'passed', reason: null }
}

/**
 * Runs the tests against the code in the sandbox: the code, tests and scaffold written under
 * `/work`, the steps in one script, the report read back and judged. A run that could not
 * start (no rules, sandbox failure) is `skipped`; an aborted one throws the abort reason.
 */
export async function runTests(
  sandbox: Sandbox,
  language: Language,
  files: TestFiles,
  limits: RunLimits,
  options: { runner: string | null; signal?: AbortSignal },
): Promise<TestRun> {
  const rules = language.verification
  if (!rules) return skipped(`no test runner for ${language.name}`, null)
  const reportFile = rules.report.file
  const workspace = workspaceRequest(rules, language, files, limits)
  const cache = await preparedCache(sandbox, language, limits)
  if (cache !== null && rules.cache) {
    workspace.files = [...workspace.files, { path: rules.cache.file, content: cache }]
  }
  let result: SandboxResult
  try {
    result = await sandbox.run({
      ...workspace,
      script: buildScript(rules, limits),
      collect: reportFile ? [PHASE_FILE, reportFile] : [PHASE_FILE],
      signal: options.signal,
    })
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    const message = error instanceof Error ? error.message : String(error)
    return skipped(`sandbox unavailable: ${message}`, options.runner)
  }
  if (result.cancelled) throw options.signal?.reason ?? new Error('the run was cancelled')

  const source = reportFile ? result.files[reportFile] : result.output
  let report: ParsedReport | null = null
  if (source !== undefined && source !== '') {
    report = parseReport(rules.report.format, source, { testFile: language.generation.test_file })
    // A report as long as the sandbox lets a file be was probably cut there.
    const cut = reportFile
      ? Buffer.byteLength(source) >= limits.outputBytes
      : result.outputTruncated
    if (report && cut) report.complete = false
  }
  const { status, reason } = judge(rules, result, report, limits)
  const keepCases = status !== 'failed' || reason !== 'compile error'
  return {
    status,
    reason,
    runner: options.runner,
    tests: keepCases && report ? report.counts : { ...NO_TESTS },
    cases: keepCases && report ? report.cases : [],
    duration_ms: Math.round(result.durationMs),
    output: trimOutput(result.output, limits.outputBytes),
  }
}
