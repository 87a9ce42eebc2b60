import type { AnalysisReport } from '../../analysis/engine.js'
import { AppError } from '../../errors.js'
import type { LlmProvider } from '../../ports/llm-provider.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import type { Verification } from '../../schemas/verification.js'
import type { AnalysisService } from '../analysis.js'
import type { Verifier } from '../verification/verifier.js'
import { unwrapMarkdown } from './extract-code.js'
import { askModel, MAX_CONTINUATIONS } from './model-reply.js'
import { type GatedFile, ParseGate } from './parse-gate.js'
import type { PipelineContext } from './pipeline-context.js'
import type { PromptBuilder } from './prompts.js'
import type { AttemptReport, GenerationMetrics, GenerationResult } from './types.js'
import { skippedVerification, VerifyStage } from './verify-stage.js'

export type { ModelStage, PipelineContext } from './pipeline-context.js'

export const DEFAULT_REPAIR_ATTEMPTS = 2

/** What the stages of one run report besides their output: their times and their failures. */
interface StageReport {
  timings: Record<string, number>
  errors: GenerationResult['errors']
}

const elapsed = (start: number) => Math.round((performance.now() - start) * 10) / 10

/** What the pipeline needs to verify: the sandbox's runner, and whether a request gets it unasked. */
export interface VerificationSetup {
  verifier: Verifier
  /** Whether a request without `options.verify` is verified: the `verify_default` setting now. */
  verifyDefault: () => boolean
  metrics?: MetricsRecorder | undefined
}

/**
 * One generation from prompt to result: code through the parse gate (with repairs), then tests
 * (through the same gate, then run against the code in the sandbox, with fix rounds) and
 * documentation concurrently, then metrics. Provider failures of the code stage propagate;
 * failures of tests, verification or docs make the result `partial`.
 */
export class GenerationPipeline {
  private readonly gate: ParseGate
  private readonly verify: VerifyStage | null

  constructor(
    private readonly llm: LlmProvider,
    analysis: AnalysisService,
    private readonly prompts: PromptBuilder,
    private readonly verification: VerificationSetup | null = null,
  ) {
    this.gate = new ParseGate(llm, analysis, prompts, verification?.verifier ?? null)
    this.verify = verification
      ? new VerifyStage(
          llm,
          prompts,
          this.gate,
          verification.verifier,
          verification.metrics ?? null,
        )
      : null
  }

  async run(
    context: PipelineContext,
  ): Promise<Omit<GenerationResult, 'id' | 'created_at' | 'cached'>> {
    const { input, language, emit } = context
    const started = performance.now()
    const report: StageReport = { timings: {}, errors: [] }
    const { timings, errors } = report
    const maxRepairs = input.options.max_repair_attempts ?? DEFAULT_REPAIR_ATTEMPTS

    const stageStart = performance.now()
    const code = await this.gate.run(context, {
      stage: 'code',
      messages: this.prompts.code(language, input.prompt),
      maxRepairs,
    })
    timings.code = elapsed(stageStart)
    const validation = {
      syntax_valid: code.valid,
      syntax_errors: code.errors,
      repair_attempts: code.attempts.length - 1,
      attempts: code.attempts,
    }
    emit?.({ type: 'code.done', data: { code: code.code, validation } })

    const base = {
      programming_language: language.id,
      filename: language.generation.code_file,
      model: code.model,
      provider: this.llm.id,
    }
    if (!code.valid) {
      const last = code.attempts.at(-1)
      errors.push({
        stage: 'code',
        detail: last?.truncated
          ? `The model's reply was cut off by its output limit after ${MAX_CONTINUATIONS} continuations; ask for less code or raise LLM_MAX_OUTPUT_TOKENS`
          : `The code still does not parse after ${maxRepairs} repair attempt${maxRepairs === 1 ? '' : 's'}`,
      })
      timings.total = elapsed(started)
      return {
        ...base,
        code: code.code,
        validation,
        usage: context.usage.report(),
        status: 'failed',
        tests: null,
        documentation: null,
        verification: skippedVerification('the code does not parse'),
        metrics: null,
        timings_ms: timings,
        errors,
      }
    }

    const [checked, documentation] = await Promise.all([
      input.include_tests ? this.testsThenVerify(context, code, maxRepairs, report) : null,
      input.include_docs ? this.docs(context, code.code, report) : null,
    ])
    const final = checked?.code ?? { code: code.code, report: code.report as AnalysisReport }
    const tests = checked?.tests ?? null
    const verification =
      checked?.verification ??
      skippedVerification('there are no tests to run (include_tests is false)')

    const metrics = metricsOf(final.report)
    timings.metrics = code.analysisMs
    emit?.({ type: 'metrics', data: metrics })

    const complete =
      (!input.include_tests || tests?.syntax_valid === true) &&
      (!input.include_docs || documentation !== null) &&
      !errors.some((error) => error.stage === 'verify')
    timings.total = elapsed(started)
    return {
      ...base,
      code: final.code,
      validation: { ...validation, attempts: [...code.attempts, ...(checked?.attempts ?? [])] },
      usage: context.usage.report(),
      status: complete ? 'completed' : 'partial',
      tests,
      documentation,
      verification,
      metrics,
      timings_ms: timings,
      errors,
    }
  }

  /**
   * The tests, then, when asked for and possible, their run against the code. Verification may
   * replace the code (a fix) or the tests (a corrected or stronger test).
   */
  private async testsThenVerify(
    context: PipelineContext,
    code: GatedFile,
    maxRepairs: number,
    report: StageReport,
  ): Promise<Checked> {
    const gated = await this.tests(context, code.code, maxRepairs, report)
    const attempts = gated?.attempts ?? []
    const tests = gated?.tests ?? null
    const unverified = (reason: string): Checked => ({
      code: null,
      tests,
      attempts,
      verification: skippedVerification(reason),
    })
    const verify = this.verify
    const asked = context.input.options.verify
    if (!(asked ?? this.verification?.verifyDefault() ?? false)) {
      return unverified(
        asked === false
          ? 'not asked for (options.verify is false)'
          : 'not asked for (verify_default is false and options.verify is not set)',
      )
    }
    if (!verify) return unverified('verification is not set up in this process')
    if (!tests?.syntax_valid) return unverified('the tests do not parse')
    const files = { code: code.code, report: code.report as AnalysisReport, tests: tests.code }
    const outcome = await this.optionalStage(context, 'verify', report, () =>
      verify.run(context, files, maxRepairs),
    )
    if (outcome === null) return unverified('the verification failed (see errors)')
    if (outcome.problem !== null) report.errors.push({ stage: 'verify', detail: outcome.problem })
    return {
      code: { code: outcome.files.code, report: outcome.files.report },
      tests: { ...tests, code: outcome.files.tests },
      attempts: [...attempts, ...outcome.attempts],
      verification: outcome.verification,
    }
  }

  private tests(
    context: PipelineContext,
    code: string,
    maxRepairs: number,
    report: StageReport,
  ): Promise<{ tests: NonNullable<GenerationResult['tests']>; attempts: AttemptReport[] } | null> {
    const { language, input } = context
    return this.optionalStage(context, 'tests', report, async () => {
      const gated = await this.gate.run(context, {
        stage: 'tests',
        messages: this.prompts.tests(language, input.prompt, code),
        maxRepairs,
        files: { code, tests: '' },
      })
      if (!gated.valid) {
        report.errors.push({
          stage: 'tests',
          detail: gated.attempts.at(-1)?.truncated
            ? "The tests were cut off by the model's output limit"
            : `The tests still do not parse after ${maxRepairs} repair attempt${maxRepairs === 1 ? '' : 's'}`,
        })
      }
      const tests = {
        code: gated.code,
        framework: language.test_framework,
        filename: language.generation.test_file,
        syntax_valid: gated.valid,
      }
      context.emit?.({ type: 'tests.done', data: tests })
      return { tests, attempts: gated.attempts }
    })
  }

  private docs(
    context: PipelineContext,
    code: string,
    report: StageReport,
  ): Promise<GenerationResult['documentation']> {
    const { language, input } = context
    return this.optionalStage(context, 'docs', report, async () => {
      const prompt = this.prompts.docs(language, input.prompt, code)
      const reply = await askModel(this.llm, this.prompts, context, 'docs', prompt)
      let documentation: GenerationResult['documentation'] = null
      if (reply.truncated) {
        report.errors.push({
          stage: 'docs',
          detail: "The documentation was cut off by the model's output limit",
        })
      } else if (reply.text.trim() === '') {
        report.errors.push({ stage: 'docs', detail: 'The model returned empty documentation' })
      } else {
        documentation = { content: unwrapMarkdown(reply.text), format: 'markdown' }
      }
      context.emit?.({ type: 'docs.done', data: documentation })
      return documentation
    })
  }

  /**
   * A stage after the code whose failure makes the result partial, not failed: its time goes
   * into the timings, an error into the errors and a `<stage>.done` event without data. Only a
   * cancellation stops the generation.
   */
  private async optionalStage<T>(
    context: PipelineContext,
    stage: 'tests' | 'docs' | 'verify',
    report: StageReport,
    body: () => Promise<T | null>,
  ): Promise<T | null> {
    const start = performance.now()
    try {
      return await body()
    } catch (error) {
      if (context.signal.aborted) throw error
      report.errors.push({ stage, detail: describe(error) })
      if (stage !== 'verify') {
        context.emit?.({ type: stage === 'tests' ? 'tests.done' : 'docs.done', data: null })
      }
      return null
    } finally {
      report.timings[stage] = elapsed(start)
    }
  }
}

/** What tests and their verification leave: null code when verification did not change it. */
interface Checked {
  code: { code: string; report: AnalysisReport } | null
  tests: GenerationResult['tests']
  attempts: AttemptReport[]
  verification: Verification
}

/** The analysis report without what the validation already says. */
function metricsOf(report: AnalysisReport): GenerationMetrics {
  const { metrics, functions, classes, performance, issues, readability, reference } = report
  return { metrics, functions, classes, performance, issues, readability, reference }
}

function describe(error: unknown): string {
  return error instanceof AppError
    ? error.message
    : 'An internal error occurred (see the server log)'
}
