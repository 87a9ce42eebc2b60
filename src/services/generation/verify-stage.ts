import type { AnalysisReport } from '../../analysis/engine.js'
import type { LlmProvider } from '../../ports/llm-provider.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import type { Verification } from '../../schemas/verification.js'
import { stubCode } from '../../verification/stub.js'
import { skipped, type TestRun } from '../../verification/test-run.js'
import type { Verifier } from '../verification/verifier.js'
import { askModel } from './model-reply.js'
import type { ParseGate } from './parse-gate.js'
import type { PipelineContext } from './pipeline-context.js'
import type { PromptBuilder } from './prompts.js'
import type { AttemptReport } from './types.js'

export const DEFAULT_FIX_ROUNDS = 2

/** Failing cases quoted back to the model in one fix request, and how much of each. */
const MAX_QUOTED_CASES = 10
const MAX_QUOTED_MESSAGE = 1_000
/** The end of the run's output quoted back: the failure summary is at the end. */
const MAX_QUOTED_OUTPUT = 4_000

/** The files as verification leaves them: fixes may have replaced either. */
export interface VerifiedFiles {
  code: string
  /** The analysis of `code` (the metrics of the result). */
  report: AnalysisReport
  tests: string
}

export interface VerifyOutcome {
  files: VerifiedFiles
  verification: Verification
  /** Every answer the fix and stronger-tests rounds asked for. */
  attempts: AttemptReport[]
  /** Why the result is not verified (for `errors`, stage `verify`); null when it is, or was skipped. */
  problem: string | null
}

/**
 * Verification of a generation: the tests run against the code in the sandbox; failures go
 * back to the model for a fix, up to `max_fix_rounds`; passing tests run once more against a
 * stub of the code, and tests that pass there are asked to be made stronger, once.
 */
export class VerifyStage {
  constructor(
    private readonly llm: LlmProvider,
    private readonly prompts: PromptBuilder,
    private readonly gate: ParseGate,
    private readonly verifier: Verifier,
    private readonly metrics: MetricsRecorder | null,
  ) {}

  async run(
    context: PipelineContext,
    initial: VerifiedFiles,
    maxRepairs: number,
  ): Promise<VerifyOutcome> {
    const { language, input } = context
    const maxRounds = input.options.max_fix_rounds ?? DEFAULT_FIX_ROUNDS
    const attempts: AttemptReport[] = []
    const clock = { ms: 0 }
    let files = initial
    let run = await this.runRound(context, files, 0, clock)
    let rounds = 0
    while (fixable(run) && rounds < maxRounds) {
      rounds++
      const reason = summarise(run)
      context.emit?.({ type: 'fix', data: { round: rounds, reason } })
      this.metrics?.fixRound(language.id)
      const messages = this.prompts.fix(
        language,
        input.prompt,
        files,
        quoteFailures(run),
        run.output.slice(-MAX_QUOTED_OUTPUT),
      )
      const first = await askModel(this.llm, this.prompts, context, 'code', messages)
      const stage = namesTestFile(first.text, language.generation.test_file) ? 'tests' : 'code'
      const gated = await this.gate.run(context, {
        stage,
        messages,
        maxRepairs,
        kind: 'test_failure',
        round: rounds,
        reason:
          stage === 'tests' ? `The model corrected the tests, not the code: ${reason}` : reason,
        files,
        first,
      })
      attempts.push(...gated.attempts)
      // A fix that never parses is dropped: the last files that parsed stand.
      if (!gated.valid) break
      files =
        stage === 'code'
          ? { ...files, code: gated.code, report: gated.report ?? files.report }
          : { ...files, tests: gated.code }
      run = await this.runRound(context, files, rounds, clock)
    }

    let quality: Verification['test_quality'] = { fails_on_stub: null, passed_on_stub: [] }
    if (run.status === 'passed') {
      const stub = stubCode(files.code, files.report, language)
      if (stub !== null) {
        quality = await this.onStub(context, stub, files.tests, clock)
        if (quality.fails_on_stub === false) {
          const stronger = await this.strongerTests(context, files, quality, rounds, maxRepairs)
          attempts.push(...stronger.attempts)
          if (stronger.tests !== null) {
            const rerun = await this.runRound(
              context,
              { ...files, tests: stronger.tests },
              rounds,
              clock,
            )
            if (rerun.status === 'passed') {
              files = { ...files, tests: stronger.tests }
              run = rerun
              quality = await this.onStub(context, stub, files.tests, clock)
            }
          }
          if (quality.fails_on_stub === false) this.metrics?.weakTests(language.id)
        }
      }
    }

    const verification: Verification = {
      ...run,
      rounds,
      test_quality: quality,
      duration_ms: Math.round(clock.ms),
    }
    return { files, verification, attempts, problem: problemOf(verification) }
  }

  /** One run of the tests against the code, announced and reported as events. */
  private async runRound(
    context: PipelineContext,
    files: VerifiedFiles,
    round: number,
    clock: { ms: number },
  ): Promise<TestRun> {
    context.emit?.({ type: 'verify.started', data: { round } })
    const run = await this.verifier.run(
      context.language,
      { code: files.code, tests: files.tests },
      context.signal,
    )
    clock.ms += run.duration_ms
    context.emit?.({
      type: 'verify.result',
      data: { round, status: run.status, tests: run.tests },
    })
    return run
  }

  /** The tests against the stub: which of them pass there. */
  private async onStub(
    context: PipelineContext,
    stub: string,
    tests: string,
    clock: { ms: number },
  ): Promise<Verification['test_quality']> {
    const run = await this.verifier.run(context.language, { code: stub, tests }, context.signal)
    clock.ms += run.duration_ms
    // A stub that does not compile, a run that could not happen, or one that broke before any
    // test reported (the stubbed code failing as it loads) tells nothing about the tests.
    const silent = run.status === 'error' && run.cases.length === 0
    if (run.status === 'skipped' || run.reason === 'compile error' || silent) {
      return { fails_on_stub: null, passed_on_stub: [] }
    }
    const passed = run.cases.filter((test) => test.outcome === 'passed').map((test) => test.name)
    return { fails_on_stub: passed.length === 0, passed_on_stub: passed }
  }

  /** Asks once for tests that do not pass on the stub; null tests when the answer never parses. */
  private async strongerTests(
    context: PipelineContext,
    files: VerifiedFiles,
    quality: Verification['test_quality'],
    rounds: number,
    maxRepairs: number,
  ): Promise<{ tests: string | null; attempts: AttemptReport[] }> {
    const { language, input } = context
    const weak = quality.passed_on_stub
    const gated = await this.gate.run(context, {
      stage: 'tests',
      messages: this.prompts.strongerTests(language, input.prompt, files, weak),
      maxRepairs,
      kind: 'weak_tests',
      round: rounds,
      reason: `${weak.length} test${weak.length === 1 ? '' : 's'} passed on a stub of the code: ${weak.join(', ')}`,
      files,
    })
    return { tests: gated.valid ? gated.code : null, attempts: gated.attempts }
  }
}

/** The verification of a generation whose tests did not run, and why. */
export function skippedVerification(reason: string): Verification {
  return {
    ...skipped(reason, null),
    rounds: 0,
    test_quality: { fails_on_stub: null, passed_on_stub: [] },
  }
}

/** A run worth a fix round: the tests failed, or the code broke a limit (an endless loop, say). */
function fixable(run: TestRun): boolean {
  return run.status === 'failed' || (run.status === 'error' && /limit/.test(run.reason ?? ''))
}

function summarise(run: TestRun): string {
  if (run.reason === 'compile error') return 'The code or the tests do not compile'
  if (run.status === 'error') return `The run broke: ${run.reason ?? 'unknown'}`
  const { failed, errors, total } = run.tests
  return `${failed + errors} of ${total} test${total === 1 ? '' : 's'} failed`
}

function quoteFailures(run: TestRun): string {
  const failing = run.cases.filter((test) => test.outcome === 'failed' || test.outcome === 'error')
  const lines = failing.slice(0, MAX_QUOTED_CASES).map((test) => {
    const message = (test.message ?? '').slice(0, MAX_QUOTED_MESSAGE).trimEnd()
    return message ? `- ${test.name}:\n${indent(message)}` : `- ${test.name}`
  })
  if (failing.length > MAX_QUOTED_CASES)
    lines.push(`- and ${failing.length - MAX_QUOTED_CASES} more`)
  return [summarise(run) + (lines.length > 0 ? ':' : '.'), ...lines].join('\n')
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')

/** Whether a fence of the reply is labelled with the test file's name (see prompts/fix.md). */
function namesTestFile(reply: string, testFile: string): boolean {
  for (const line of reply.split('\n')) {
    const trimmed = line.trim()
    if ((trimmed.startsWith('```') || trimmed.startsWith('~~~')) && trimmed.includes(testFile)) {
      return true
    }
  }
  return false
}

function problemOf(verification: Verification): string | null {
  const { status, reason, rounds, test_quality: quality } = verification
  const after = rounds > 0 ? ` after ${rounds} fix round${rounds === 1 ? '' : 's'}` : ''
  if (status === 'failed') {
    const { failed, errors, total } = verification.tests
    return reason === 'compile error'
      ? `The code or the tests still do not compile${after}`
      : `${failed + errors} of ${total} tests still fail${after}`
  }
  if (status === 'error')
    return `The tests could not be run to the end${after}: ${reason ?? 'unknown'}`
  if (quality.fails_on_stub === false) {
    const names = quality.passed_on_stub
    return `${names.length} test${names.length === 1 ? '' : 's'} also pass on a stub of the code, so they test nothing: ${names.join(', ')}`
  }
  return null
}
