/** What GET /api/jobs and /api/jobs/{id} answer (src/schemas/job.ts), as far as the UI reads it. */
import type { GenerationResult } from './generation-types.js'

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

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
  programming_language: string
  /** The prompt as received. */
  prompt: string
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
