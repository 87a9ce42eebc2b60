import type { AnalysisReport } from '../../analysis/engine.js'
import { AppError } from '../../errors.js'
import type { LlmProvider } from '../../ports/llm-provider.js'
import type { AnalysisService } from '../analysis.js'
import { unwrapMarkdown } from './extract-code.js'
import { askModel, MAX_CONTINUATIONS } from './model-reply.js'
import { ParseGate } from './parse-gate.js'
import type { PipelineContext } from './pipeline-context.js'
import type { PromptBuilder } from './prompts.js'
import type { GenerationMetrics, GenerationResult } from './types.js'

export type { ModelStage, PipelineContext } from './pipeline-context.js'

export const DEFAULT_REPAIR_ATTEMPTS = 2

/** What the stages of one run report besides their output: their times and their failures. */
interface StageReport {
  timings: Record<string, number>
  errors: GenerationResult['errors']
}

const elapsed = (start: number) => Math.round((performance.now() - start) * 10) / 10

/**
 * One generation from prompt to result: code through the parse gate (with repairs), then tests
 * (through the same gate) and documentation concurrently, then metrics. Provider failures of the
 * code stage propagate; failures of tests or docs make the result `partial`. A further stage
 * (running the tests, say) goes in `run` after tests and docs, reporting into `errors` and
 * `timings` as they do.
 */
export class GenerationPipeline {
  private readonly gate: ParseGate

  constructor(
    private readonly llm: LlmProvider,
    analysis: AnalysisService,
    private readonly prompts: PromptBuilder,
  ) {
    this.gate = new ParseGate(llm, analysis, prompts)
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
    const code = await this.gate.run(
      context,
      'code',
      this.prompts.code(language, input.prompt),
      maxRepairs,
    )
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
      code: code.code,
      filename: language.generation.code_file,
      validation,
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
        usage: context.usage.report(),
        status: 'failed',
        tests: null,
        documentation: null,
        metrics: null,
        timings_ms: timings,
        errors,
      }
    }

    const [tests, documentation] = await Promise.all([
      input.include_tests ? this.tests(context, code.code, maxRepairs, report) : null,
      input.include_docs ? this.docs(context, code.code, report) : null,
    ])

    const metrics = metricsOf(code.report as AnalysisReport)
    timings.metrics = code.analysisMs
    emit?.({ type: 'metrics', data: metrics })

    const complete =
      (!input.include_tests || tests?.syntax_valid === true) &&
      (!input.include_docs || documentation !== null)
    timings.total = elapsed(started)
    return {
      ...base,
      usage: context.usage.report(),
      status: complete ? 'completed' : 'partial',
      tests,
      documentation,
      metrics,
      timings_ms: timings,
      errors,
    }
  }

  private tests(
    context: PipelineContext,
    code: string,
    maxRepairs: number,
    report: StageReport,
  ): Promise<GenerationResult['tests']> {
    const { language, input } = context
    return this.optionalStage(context, 'tests', report, async () => {
      const gated = await this.gate.run(
        context,
        'tests',
        this.prompts.tests(language, input.prompt, code),
        maxRepairs,
      )
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
      return tests
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
    stage: 'tests' | 'docs',
    report: StageReport,
    body: () => Promise<T | null>,
  ): Promise<T | null> {
    const start = performance.now()
    try {
      return await body()
    } catch (error) {
      if (context.signal.aborted) throw error
      report.errors.push({ stage, detail: describe(error) })
      context.emit?.({ type: stage === 'tests' ? 'tests.done' : 'docs.done', data: null })
      return null
    } finally {
      report.timings[stage] = elapsed(start)
    }
  }
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
