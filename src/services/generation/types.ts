import type { AnalysisReport } from '../../analysis/engine.js'
import type { SyntaxErrorReport } from '../../analysis/metrics/syntax-errors.js'
import type { FinishReason } from '../../ports/llm-provider.js'

/** A generation request, validated and with defaults applied. */
export interface GenerationInput {
  prompt: string
  programming_language: string
  include_tests: boolean
  include_docs: boolean
  options: {
    temperature?: number | undefined
    max_repair_attempts?: number | undefined
    model?: string | undefined
    cache?: boolean | undefined
  }
}

export type GenerationStage = 'code' | 'tests' | 'docs' | 'metrics'

export interface UsageReport {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  llm_calls: number
}

/** One model answer for code or tests, as the parse gate judged it. */
export interface AttemptReport {
  stage: 'code' | 'tests'
  /** 1 for the first answer, then one more per repair. */
  attempt: number
  syntax_valid: boolean
  syntax_errors: SyntaxErrorReport[]
  /** The model's reason for stopping on its last continuation. */
  finish_reason: FinishReason
  /** Follow-up calls made because the reply hit the output limit. */
  continuations: number
  /** True when the reply was still cut off after the allowed continuations. */
  truncated: boolean
  code: string
  usage: UsageReport
  duration_ms: number
}

export type GenerationMetrics = Omit<
  AnalysisReport,
  'programming_language' | 'syntax_valid' | 'syntax_errors'
>

export interface GenerationResult {
  id: string
  status: 'completed' | 'partial' | 'failed'
  programming_language: string
  code: string
  filename: string
  tests: { code: string; framework: string; filename: string; syntax_valid: boolean } | null
  documentation: { content: string; format: 'markdown' } | null
  metrics: GenerationMetrics | null
  validation: {
    syntax_valid: boolean
    syntax_errors: SyntaxErrorReport[]
    repair_attempts: number
    attempts: AttemptReport[]
  }
  usage: UsageReport
  timings_ms: Record<string, number>
  model: string
  provider: string
  cached: boolean
  created_at: string
  errors: Array<{ stage: GenerationStage; detail: string }>
}

/**
 * What a generation reports as it runs, for streaming clients. Deltas are emitted only when
 * someone listens, since they make the model calls stream.
 */
export type GenerationEvent =
  | { type: 'started'; data: { id: string; model: string } }
  | { type: 'code.delta'; data: { text: string } }
  | { type: 'code.done'; data: { code: string; validation: GenerationResult['validation'] } }
  | {
      type: 'repair'
      data: { stage: 'code' | 'tests'; attempt: number; syntax_errors: SyntaxErrorReport[] }
    }
  | { type: 'tests.delta'; data: { text: string } }
  | { type: 'tests.done'; data: GenerationResult['tests'] }
  | { type: 'docs.delta'; data: { text: string } }
  | { type: 'docs.done'; data: GenerationResult['documentation'] }
  | { type: 'metrics'; data: GenerationMetrics | null }
  | { type: 'completed'; data: GenerationResult }
