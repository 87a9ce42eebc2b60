import type { AnalysisReport } from '../../analysis/engine.js'
import type { Language } from '../../analysis/language-registry.js'
import type { SyntaxErrorReport } from '../../analysis/metrics/syntax-errors.js'
import { AppError } from '../../errors.js'
import type { ChatMessage, LlmProvider } from '../../ports/llm-provider.js'
import type { AnalysisService } from '../analysis.js'
import { extractCode } from './extract-code.js'
import { askModel } from './model-reply.js'
import type { PipelineContext } from './pipeline-context.js'
import type { PromptBuilder } from './prompts.js'
import type { AttemptReport } from './types.js'

/** Parse errors quoted back to the model in one repair request. */
const MAX_REPORTED_ERRORS = 10

export interface GatedFile {
  code: string
  report: AnalysisReport | null
  attempts: AttemptReport[]
  valid: boolean
  errors: SyntaxErrorReport[]
  model: string
  /** Time the analysis of the final answer took. */
  analysisMs: number
}

const elapsed = (start: number) => Math.round((performance.now() - start) * 10) / 10

/**
 * The parse gate: a file the model writes is parsed, and its syntax errors go back to the model
 * until it parses or the repairs run out. Every answer is kept as an attempt.
 */
export class ParseGate {
  constructor(
    private readonly llm: LlmProvider,
    private readonly analysis: AnalysisService,
    private readonly prompts: PromptBuilder,
  ) {}

  /** Asks for a file, then sends parse errors back until it parses or the repairs run out. */
  async run(
    context: PipelineContext,
    stage: 'code' | 'tests',
    messages: ChatMessage[],
    maxRepairs: number,
  ): Promise<GatedFile> {
    const { language } = context
    const file = stage === 'code' ? language.generation.code_file : language.generation.test_file
    const attempts: AttemptReport[] = []
    const conversation = [...messages]
    for (let attempt = 1; ; attempt++) {
      const start = performance.now()
      const reply = await askModel(this.llm, this.prompts, context, stage, conversation)
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

  /** The check: the analysis engine's syntax errors, plus "no code" and "cut off". */
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
