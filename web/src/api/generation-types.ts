/**
 * The shapes of a generation as the API answers them (GenerationResult, the SSE events of
 * POST /api/generate/stream and GET /api/jobs/{id}/events, the history summary), written by
 * hand from src/schemas/generation*.ts, verification.ts and analysis.ts.
 */
import type { AnalysisReport, SyntaxErrorReport } from './analysis-types.js'
import type { ErrorBody } from './errors.js'

export interface TestCounts {
  total: number
  passed: number
  failed: number
  errors: number
  skipped: number
}

export type CaseOutcome = 'passed' | 'failed' | 'error' | 'skipped'

export interface TestCase {
  name: string
  outcome: CaseOutcome
  message: string | null
  duration_ms: number | null
}

export interface Verification {
  status: 'passed' | 'failed' | 'error' | 'skipped'
  reason: string | null
  runner: string | null
  rounds: number
  tests: TestCounts
  cases: TestCase[]
  test_quality: { fails_on_stub: boolean | null; passed_on_stub: string[] }
  duration_ms: number
  output: string
}

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  llm_calls: number
}

export interface GenerationAttempt {
  stage: 'code' | 'tests'
  kind: 'syntax' | 'test_failure' | 'weak_tests'
  round: number
  reason: string | null
  attempt: number
  syntax_valid: boolean
  syntax_checked_by: 'parser' | 'compiler'
  syntax_errors: SyntaxErrorReport[]
  finish_reason: string
  continuations: number
  truncated: boolean
  code: string
  usage: Usage
  duration_ms: number
}

/** The analysis of a generation's final code: POST /api/analyze's report, minus its header. */
export type GenerationMetrics = Omit<
  AnalysisReport,
  'programming_language' | 'filename' | 'syntax_valid' | 'syntax_errors'
>

export interface GeneratedTests {
  code: string
  framework: string
  filename: string
  syntax_valid: boolean
}

export interface GenerationValidation {
  syntax_valid: boolean
  syntax_errors: SyntaxErrorReport[]
  repair_attempts: number
  attempts: GenerationAttempt[]
}

export type GenerationStage = 'code' | 'tests' | 'docs' | 'verify' | 'metrics'

export interface GenerationResult {
  id: string
  status: 'completed' | 'partial' | 'failed'
  programming_language: string
  code: string
  filename: string
  tests: GeneratedTests | null
  documentation: { content: string; format: 'markdown' } | null
  verification: Verification
  metrics: GenerationMetrics | null
  validation: GenerationValidation
  usage: Usage
  /** queue, code, tests, docs, verify, metrics and total, in ms. */
  timings_ms: Record<string, number>
  model: string
  provider: string
  cached: boolean
  created_at: string
  errors: { stage: GenerationStage; detail: string }[]
}

/** One event of a generation stream: the SSE `event:` name and its parsed `data:`. */
export type GenerationEvent =
  | { type: 'started'; data: { id: string; model: string } }
  | { type: 'code.delta'; data: { text: string } }
  | { type: 'code.done'; data: { code: string; validation: GenerationValidation } }
  | {
      type: 'repair'
      data: { stage: 'code' | 'tests'; attempt: number; syntax_errors: SyntaxErrorReport[] }
    }
  | { type: 'tests.delta'; data: { text: string } }
  | { type: 'tests.done'; data: GeneratedTests | null }
  | { type: 'docs.delta'; data: { text: string } }
  | { type: 'docs.done'; data: GenerationResult['documentation'] }
  | { type: 'verify.started'; data: { round: number } }
  | {
      type: 'verify.result'
      data: { round: number; status: Verification['status']; tests: TestCounts }
    }
  | { type: 'fix'; data: { round: number; reason: string } }
  | { type: 'metrics'; data: GenerationMetrics | null }
  | { type: 'completed'; data: GenerationResult }
  | { type: 'error'; data: ErrorBody }

/** Where a stored generation is in its life (src/ports/generation-record.ts). */
export const GENERATION_STATUSES = [
  'queued',
  'running',
  'completed',
  'partial',
  'failed',
  'cancelled',
  'interrupted',
] as const
export type GenerationStatus = (typeof GENERATION_STATUSES)[number]

/** One page of a list (GET /api/generations, /api/jobs), with the cursor of the next. */
export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

/** One entry of GET /api/generations. */
export interface GenerationSummary {
  id: string
  status: GenerationStatus
  programming_language: string
  prompt: string
  provider: string | null
  model: string | null
  usage: Usage
  duration_ms: number | null
  error: string | null
  created_at: string
  updated_at: string
}

/** GET /api/generations/{id}: the summary, the request as received and the result. */
export interface GenerationRecord extends GenerationSummary {
  request: Record<string, unknown>
  result: GenerationResult | null
}

/** The body of POST /api/generate, /api/generate/stream and (plus callback_url) /api/jobs. */
export interface GenerateRequest {
  prompt: string
  programming_language: string
  include_tests: boolean
  include_docs: boolean
  options: {
    temperature?: number
    max_repair_attempts?: number
    model?: string
    cache?: boolean
    verify?: boolean
    max_fix_rounds?: number
  }
}

/** The answer of POST /api/jobs. */
export interface JobAccepted {
  job_id: string
  status: string
  position: number | null
  status_url: string
  events_url: string
}

/** One entry of GET /api/languages. */
export interface LanguageInfo {
  id: string
  name: string
  aliases: string[]
  extensions: string[]
  test_framework: string
  doc_style: string
  analysis: boolean
  conventions: { code_file: string; test_file: string; test_import: string }
  verification: {
    available: boolean
    runner: string | null
    version: string | null
    reason: string | null
  }
}
