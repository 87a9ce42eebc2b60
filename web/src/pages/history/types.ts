import type { GenerationResult } from '../../api/generation-types.js'

/**
 * What the history and jobs routes answer (GET /api/generations, /api/jobs), as far as these
 * pages read it; a result is the Generate page's GenerationResult.
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
  result: GenerationResult | null
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
  result: GenerationResult | null
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
