/**
 * The shapes of a generation as the API answers them (GenerationResult, the SSE events of
 * POST /api/generate/stream and GET /api/jobs/{id}/events, the history summary), written by
 * hand from src/schemas/generation*.ts, verification.ts and analysis.ts.
 */
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

export interface SyntaxErrorReport {
  line: number
  column: number
  end_line: number
  end_column: number
  message: string
  source_line: string
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

export interface ComplexitySummary {
  total: number
  average: number
  max: number
}

export interface FunctionReport {
  name: string
  qualified_name: string
  kind?: string
  start_line: number
  end_line: number
  cyclomatic_complexity: number
  cognitive_complexity: number
  parameters: number
  max_nesting_depth: number
  nloc: number
  length: number
  performance?: { time_complexity: string }
}

/** The analysis of a generation's final code (POST /api/analyze's report, minus its header). */
export interface GenerationMetrics {
  metrics: {
    lines: { total: number; code: number; logical: number; comment: number; blank: number }
    cyclomatic_complexity: ComplexitySummary
    cognitive_complexity: ComplexitySummary
    halstead: { volume: number; difficulty: number; effort: number; bugs: number }
    maintainability_index: number
    maintainability_rank: 'A' | 'B' | 'C'
    functions: number
    classes: number
  }
  functions: FunctionReport[]
  performance: { time_complexity: string; worst_function: string | null }
  issues: { rule: string; severity: 'error' | 'warning' | 'info'; message: string; line: number }[]
  readability: { score: number }
}

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

export type GenerationStatus =
  'running' | 'completed' | 'partial' | 'failed' | 'cancelled' | 'interrupted'

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
