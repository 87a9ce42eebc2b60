/**
 * What the history and jobs routes answer (GET /api/generations, /api/jobs), as far as these
 * pages read it. The full GenerationResult is the Generate page's type; the pages here only need
 * to know that a result exists and a few of its fields.
 */

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

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  llm_calls: number
}

/** The few fields of a GenerationResult these pages read themselves. */
export interface ResultLike {
  id: string
  status: 'completed' | 'partial' | 'failed'
  programming_language: string
  code: string
  filename: string
  tests: { code: string; framework: string; filename: string; syntax_valid: boolean } | null
  documentation: { content: string; format: 'markdown' } | null
  verification: {
    status: string
    reason: string | null
    runner: string | null
    rounds: number
    tests: { total: number; passed: number; failed: number; errors: number; skipped: number }
  } | null
  timings_ms: Record<string, number>
  model: string
  errors: { stage: string; detail: string }[]
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

/** GET /api/generations/{id}. */
export interface GenerationRecord extends GenerationSummary {
  request: Record<string, unknown>
  result: ResultLike | null
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

/** The API's error body, as a job carries it. */
export interface JobError {
  error: string
  detail: string
  code: string
  status_code: number
}

/** GET /api/jobs/{id}. */
export interface Job {
  id: string
  status: JobStatus
  stage: string | null
  attempts: number
  position: number | null
  result: ResultLike | null
  error: JobError | null
  callback_url: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

export interface Language {
  id: string
  name: string
}
