import type { AnalysisReport } from '../../analysis/engine.js'
import type { Language } from '../../analysis/language-registry.js'
import type { SyntaxErrorReport } from '../../analysis/metrics/syntax-errors.js'
import { AppError } from '../../errors.js'
import type { ChatMessage, Completion, LlmProvider, TokenUsage } from '../../ports/llm-provider.js'
import type { AnalysisService } from '../analysis.js'
import { extractCode, unwrapMarkdown } from './extract-code.js'
import type { PromptBuilder } from './prompts.js'
import type {
  AttemptReport,
  GenerationEvent,
  GenerationMetrics,
  GenerationInput,
  GenerationResult,
  UsageReport,
} from './types.js'

/** Follow-up calls allowed when a reply hits the output limit, before it counts as cut off. */
const MAX_CONTINUATIONS = 2
/** Parse errors quoted back to the model in one repair request. */
const MAX_REPORTED_ERRORS = 10

export const DEFAULT_REPAIR_ATTEMPTS = 2

export interface PipelineContext {
  input: GenerationInput
  language: Language
  model: string
  maxOutputTokens: number
  signal: AbortSignal
  emit?: ((event: GenerationEvent) => void) | undefined
  /** Whether model replies stream as `*.delta` events (someone is watching them arrive). */
  streamDeltas?: boolean | undefined
  /**
   * Called after every model call, so that usage can be recorded even if the run is cancelled.
   * A call that failed after streaming part of its reply carries `streamedTokens`: the pieces
   * that arrived, one token each on OpenAI-compatible servers; providers report usage only at
   * the end, so this count is all there is of a reply cut short.
   */
  onCall: (
    stage: 'code' | 'tests' | 'docs',
    outcome: { usage: TokenUsage } | { error: unknown; streamedTokens: number },
    durationMs: number,
  ) => void
}

interface Reply {
  text: string
  truncated: boolean
  finishReason: AttemptReport['finish_reason']
  continuations: number
  usage: UsageReport
  model: string
}

interface GatedFile {
  code: string
  report: AnalysisReport | null
  attempts: AttemptReport[]
  valid: boolean
  errors: SyntaxErrorReport[]
  model: string
  /** Time the analysis of the final answer took. */
  analysisMs: number
}

const emptyUsage = (): UsageReport => ({
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  llm_calls: 0,
})

function addUsage(total: UsageReport, more: UsageReport): void {
  total.prompt_tokens += more.prompt_tokens
  total.completion_tokens += more.completion_tokens
  total.total_tokens += more.total_tokens
  total.llm_calls += more.llm_calls
}

const elapsed = (start: number) => Math.round((performance.now() - start) * 10) / 10

/**
 * One generation from prompt to result: code through the parse gate (with repairs), then tests
 * (through the same gate) and documentation concurrently, then metrics. Provider failures of the
 * code stage propagate; failures of tests or docs make the result `partial`.
 */
export class GenerationPipeline {
  constructor(
    private readonly llm: LlmProvider,
    private readonly analysis: AnalysisService,
    private readonly prompts: PromptBuilder,
  ) {}

  async run(
    context: PipelineContext,
  ): Promise<Omit<GenerationResult, 'id' | 'created_at' | 'cached'>> {
    const { input, language, emit } = context
    const started = performance.now()
    const timings: Record<string, number> = {}
    const usage = emptyUsage()
    const errors: GenerationResult['errors'] = []
    const maxRepairs = input.options.max_repair_attempts ?? DEFAULT_REPAIR_ATTEMPTS

    const stageStart = performance.now()
    const code = await this.gate(
      context,
      'code',
      this.prompts.code(language, input.prompt),
      maxRepairs,
      usage,
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
      usage,
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
        status: 'failed',
        tests: null,
        documentation: null,
        metrics: null,
        timings_ms: timings,
        errors,
      }
    }

    const [tests, documentation] = await Promise.all([
      input.include_tests
        ? this.tests(context, code.code, maxRepairs, usage, timings, errors)
        : null,
      input.include_docs ? this.docs(context, code.code, usage, timings, errors) : null,
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
      status: complete ? 'completed' : 'partial',
      tests,
      documentation,
      metrics,
      timings_ms: timings,
      errors,
    }
  }

  private async tests(
    context: PipelineContext,
    code: string,
    maxRepairs: number,
    usage: UsageReport,
    timings: Record<string, number>,
    errors: GenerationResult['errors'],
  ): Promise<GenerationResult['tests']> {
    const { language, input } = context
    const start = performance.now()
    try {
      const gated = await this.gate(
        context,
        'tests',
        this.prompts.tests(language, input.prompt, code),
        maxRepairs,
        usage,
      )
      if (!gated.valid) {
        errors.push({
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
    } catch (error) {
      if (context.signal.aborted) throw error
      errors.push({ stage: 'tests', detail: describe(error) })
      context.emit?.({ type: 'tests.done', data: null })
      return null
    } finally {
      timings.tests = elapsed(start)
    }
  }

  private async docs(
    context: PipelineContext,
    code: string,
    usage: UsageReport,
    timings: Record<string, number>,
    errors: GenerationResult['errors'],
  ): Promise<GenerationResult['documentation']> {
    const { language, input } = context
    const start = performance.now()
    try {
      const reply = await this.ask(context, 'docs', this.prompts.docs(language, input.prompt, code))
      addUsage(usage, reply.usage)
      let documentation: GenerationResult['documentation'] = null
      if (reply.truncated) {
        errors.push({
          stage: 'docs',
          detail: "The documentation was cut off by the model's output limit",
        })
      } else if (reply.text.trim() === '') {
        errors.push({ stage: 'docs', detail: 'The model returned empty documentation' })
      } else {
        documentation = { content: unwrapMarkdown(reply.text), format: 'markdown' }
      }
      context.emit?.({ type: 'docs.done', data: documentation })
      return documentation
    } catch (error) {
      if (context.signal.aborted) throw error
      errors.push({ stage: 'docs', detail: describe(error) })
      context.emit?.({ type: 'docs.done', data: null })
      return null
    } finally {
      timings.docs = elapsed(start)
    }
  }

  /** Asks for a file, then sends parse errors back until it parses or the repairs run out. */
  private async gate(
    context: PipelineContext,
    stage: 'code' | 'tests',
    messages: ChatMessage[],
    maxRepairs: number,
    usage: UsageReport,
  ): Promise<GatedFile> {
    const { language } = context
    const file = stage === 'code' ? language.generation.code_file : language.generation.test_file
    const attempts: AttemptReport[] = []
    const conversation = [...messages]
    for (let attempt = 1; ; attempt++) {
      const start = performance.now()
      const reply = await this.ask(context, stage, conversation)
      addUsage(usage, reply.usage)
      const code = extractCode(reply.text, this.prompts.fenceTags(language))
      const analysisStart = performance.now()
      const { report, errors } = await this.check(code, language, reply.truncated)
      const analysisMs = elapsed(analysisStart)
      const valid = errors.length === 0
      attempts.push({
        stage,
        attempt,
        syntax_valid: valid,
        syntax_errors: errors,
        finish_reason: reply.finishReason,
        continuations: reply.continuations,
        truncated: reply.truncated,
        code,
        usage: reply.usage,
        duration_ms: elapsed(start),
      })
      if (valid || attempt > maxRepairs) {
        return { code, report, attempts, valid, errors, model: reply.model, analysisMs }
      }
      context.emit?.({ type: 'repair', data: { stage, attempt, syntax_errors: errors } })
      conversation.push(
        { role: 'assistant', content: reply.text },
        this.prompts.repair(language, file, errors.slice(0, MAX_REPORTED_ERRORS)),
      )
    }
  }

  /** The parse gate: the analysis engine's syntax errors, plus "no code" and "cut off". */
  private async check(
    code: string,
    language: Language,
    truncated: boolean,
  ): Promise<{ report: AnalysisReport | null; errors: SyntaxErrorReport[] }> {
    const lines = code.split('\n')
    const endLine = Math.max(1, lines.length - 1)
    const atEnd = (message: string): SyntaxErrorReport => ({
      line: endLine,
      column: 1,
      end_line: endLine,
      end_column: 1,
      message,
      source_line: lines[endLine - 1] ?? '',
    })
    if (code.trim() === '') return { report: null, errors: [atEnd('the reply contained no code')] }
    const report = await this.analysis
      .analyze({ code, programming_language: language.id })
      .catch((error: unknown) => {
        throw tooLargeToCheck(error)
      })
    const errors = [...report.syntax_errors]
    // A cut-off file can parse by luck (a closed statement); it is still not the whole file.
    if (truncated) errors.push(atEnd("the reply was cut off by the model's output limit"))
    return { report, errors }
  }

  /** One model answer, continued while it stops at the output limit. */
  private async ask(
    context: PipelineContext,
    stage: 'code' | 'tests' | 'docs',
    messages: ChatMessage[],
  ): Promise<Reply> {
    const { input, model, maxOutputTokens, signal, emit } = context
    const usage = emptyUsage()
    let streamedTokens = 0
    const onText =
      emit && context.streamDeltas
        ? (text: string) => {
            streamedTokens++
            emit({ type: `${stage}.delta`, data: { text } })
          }
        : undefined
    let text = ''
    const conversation = [...messages]
    for (let continuation = 0; ; continuation++) {
      const start = performance.now()
      streamedTokens = 0
      let completion: Completion
      try {
        completion = await this.llm.complete(
          {
            messages: conversation,
            model,
            temperature: input.options.temperature,
            maxOutputTokens,
            onText,
          },
          signal,
        )
      } catch (error) {
        context.onCall(stage, { error, streamedTokens }, performance.now() - start)
        throw error
      }
      context.onCall(stage, { usage: completion.usage }, performance.now() - start)
      addUsage(usage, {
        prompt_tokens: completion.usage.promptTokens,
        completion_tokens: completion.usage.completionTokens,
        total_tokens: completion.usage.totalTokens,
        llm_calls: 1,
      })
      text += completion.text
      const cutOff = completion.finishReason === 'length'
      if (!cutOff || continuation >= MAX_CONTINUATIONS) {
        return {
          text,
          truncated: cutOff,
          finishReason: completion.finishReason,
          continuations: continuation,
          usage,
          model: completion.model,
        }
      }
      conversation.push(
        { role: 'assistant', content: completion.text },
        this.prompts.continuation(),
      )
    }
  }
}

/** The analysis report without what the validation already says. */
function metricsOf(report: AnalysisReport): GenerationMetrics {
  const { metrics, functions, classes, performance, issues, readability, reference } = report
  return { metrics, functions, classes, performance, issues, readability, reference }
}

/**
 * The analysis refuses code over `ANALYSIS_MAX_FILE_BYTES` as a request too large (413); here
 * the code is the model's, so it is the upstream's fault: a 502 saying what happened.
 */
function tooLargeToCheck(error: unknown): unknown {
  if (!(error instanceof AppError) || error.code !== 'APP_ERR_BODY_TOO_LARGE') return error
  return new AppError(
    'APP_ERR_PROVIDER_REPLY_TOO_BIG',
    `The model's code is too large for the parse gate to check: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`,
  )
}

function describe(error: unknown): string {
  return error instanceof AppError
    ? error.message
    : 'An internal error occurred (see the server log)'
}
