import type { AnalysisReport } from '../../analysis/engine.js'
import type { Language } from '../../analysis/language-registry.js'
import type { SyntaxErrorReport } from '../../analysis/syntax/tree-errors.js'
import { AppError } from '../../errors.js'
import type { ChatMessage, LlmProvider } from '../../ports/llm-provider.js'
import type { AnalysisService } from '../analysis.js'
import { extractCode } from './extract-code.js'
import type { TestFiles } from '../../verification/test-run.js'
import type { Verifier } from '../verification/verifier.js'
import { askModel, type Reply } from './model-reply.js'
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

/** One file asked of the model and brought through the gate. */
export interface GateRequest {
  stage: 'code' | 'tests'
  messages: ChatMessage[]
  maxRepairs: number
  /** Why the file is asked for; `syntax` (the default) for the first answer of a stage. */
  kind?: AttemptReport['kind']
  /** The fix round it belongs to (0 before verification). */
  round?: number
  reason?: string | null
  /**
   * Both files as they stand, this one's slot aside: a compiler checking the tests needs the
   * code they include or import.
   */
  files?: TestFiles
  /** The model's first answer, when the caller has already asked (to see which file it is). */
  first?: Reply
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
    /** The sandbox's compilers, whose verdict on syntax beats the grammar's; null without one. */
    private readonly verifier: Verifier | null = null,
  ) {}

  /** Asks for a file, then sends parse errors back until it parses or the repairs run out. */
  async run(context: PipelineContext, request: GateRequest): Promise<GatedFile> {
    const { language } = context
    const { stage, maxRepairs } = request
    const file = stage === 'code' ? language.generation.code_file : language.generation.test_file
    const attempts: AttemptReport[] = []
    const conversation = [...request.messages]
    let first = request.first
    for (let attempt = 1; ; attempt++) {
      const start = performance.now()
      const reply = first ?? (await askModel(this.llm, this.prompts, context, stage, conversation))
      first = undefined
      const code = extractCode(reply.text, this.prompts.fenceTags(language))
      const analysisStart = performance.now()
      const checked = await this.check(code, language, reply.truncated)
      const analysisMs = elapsed(analysisStart)
      const compiled =
        checked.errors.length > 0 && !reply.truncated && code.trim() !== ''
          ? await this.compilerAccepts(context, stage, code, request.files)
          : false
      const errors = compiled ? [] : checked.errors
      const valid = errors.length === 0
      attempts.push({
        stage,
        kind: request.kind ?? 'syntax',
        round: request.round ?? 0,
        reason: attempt === 1 ? (request.reason ?? null) : 'the previous answer did not parse',
        attempt,
        syntax_valid: valid,
        syntax_checked_by: compiled ? 'compiler' : 'parser',
        syntax_errors: errors,
        finish_reason: reply.finishReason,
        continuations: reply.continuations,
        truncated: reply.truncated,
        code,
        usage: reply.usage,
        duration_ms: elapsed(start),
      })
      if (valid || attempt > maxRepairs) {
        const report = checked.report
        return { code, report, attempts, valid, errors, model: reply.model, analysisMs }
      }
      context.emit?.({ type: 'repair', data: { stage, attempt, syntax_errors: errors } })
      conversation.push(
        { role: 'assistant', content: reply.text },
        this.prompts.repair(language, file, errors.slice(0, MAX_REPORTED_ERRORS)),
      )
    }
  }

  /**
   * Whether the language's compiler, in the sandbox, accepts a file the grammar rejected. Some
   * grammars flag valid code; a repair round spent on such a file would be wasted, or worse,
   * fail the generation.
   */
  private async compilerAccepts(
    context: PipelineContext,
    stage: 'code' | 'tests',
    code: string,
    files: TestFiles | undefined,
  ): Promise<boolean> {
    if (!this.verifier) return false
    const both =
      stage === 'code'
        ? { tests: files?.tests ?? '', code }
        : { code: files?.code ?? '', tests: code }
    const verdict = await this.verifier.checkSyntax(context.language, stage, both, context.signal)
    return verdict === true
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
