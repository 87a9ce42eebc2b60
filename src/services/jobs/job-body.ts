import { AppError, isErrorCode, toErrorBody, type ErrorBody } from '../../errors.js'
import type { GenerationStatus } from '../../ports/generation-store.js'
import type { JobStatus, JobView } from '../../ports/job-store.js'
import type { PublishedEvent } from '../generation/event-hub.js'
import type { GenerationResult } from '../generation/types.js'

/** A job as `GET /api/jobs/{id}` answers it, and as a callback receives it. */
export interface JobBody {
  id: string
  status: JobStatus
  programming_language: string
  /** The prompt as received. */
  prompt: string
  /** The stage of the current run: code, tests, docs, verify, metrics; null before it starts. */
  stage: string | null
  /** Times a worker started it. */
  attempts: number
  /** 1-based place in the queue while queued, else null. */
  position: number | null
  /** What `POST /api/generate` answers, once there is one (a failed generation may have one). */
  result: GenerationResult | null
  /** The error it ended with, when failed or cancelled. */
  error: ErrorBody | null
  callback_url: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

/**
 * A callback URL as a response shows it: its query and fragment, where a receiver's token often
 * travels, are not repeated to whoever reads the job.
 */
function shownCallbackUrl(url: string): string {
  const parsed = new URL(url)
  const hidden = parsed.search !== '' || parsed.hash !== ''
  return `${parsed.origin}${parsed.pathname}${hidden ? '?…' : ''}`
}

const JOB_STATUS: Record<GenerationStatus, JobStatus> = {
  queued: 'queued',
  running: 'running',
  completed: 'completed',
  partial: 'completed',
  failed: 'failed',
  interrupted: 'failed',
  cancelled: 'cancelled',
}

/** A job's status, from its generation's. */
export function jobStatus(status: GenerationStatus): JobStatus {
  return JOB_STATUS[status]
}

/** The error a failed or cancelled job ended with, as the stored record tells it. */
export function jobError(view: JobView): AppError | null {
  const { record } = view
  const status = jobStatus(record.status)
  if (status !== 'failed' && status !== 'cancelled') return null
  const code = record.error?.code
  if (code && isErrorCode(code)) return new AppError(code, record.error?.detail)
  if (status === 'cancelled') {
    return new AppError('APP_ERR_GENERATION_CANCELLED', `Job '${record.id}' was cancelled`)
  }
  // A result whose code never parsed: the stages say why.
  return new AppError(
    'APP_ERR_GENERATION_FAILED',
    record.error?.detail ?? `Job '${record.id}' failed`,
  )
}

/** The prompt of a stored request (a string in every request this service stores). */
function promptOf(request: unknown): string {
  const prompt = (request as { prompt?: unknown } | null)?.prompt
  return typeof prompt === 'string' ? prompt : ''
}

export function jobBody(view: JobView, position: number | null, requestId: string): JobBody {
  const { record, job } = view
  const error = jobError(view)
  return {
    id: record.id,
    status: jobStatus(record.status),
    programming_language: record.programmingLanguage,
    prompt: promptOf(record.request),
    stage: job.stage,
    attempts: job.attempts,
    position,
    result: (record.result as GenerationResult | null) ?? null,
    error: error && toErrorBody(error, requestId, new Date(job.finishedAt ?? record.updatedAt)),
    callback_url: job.callbackUrl && shownCallbackUrl(job.callbackUrl),
    created_at: record.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  }
}

/**
 * The last event of a job that has ended, told from its record: `completed` with its result
 * (whatever the generation's status, as a stream ends), else `error`. Null while it waits or runs.
 */
export function finalEvent(view: JobView): PublishedEvent | null {
  const { record } = view
  if (record.status === 'queued' || record.status === 'running') return null
  if (record.result) return { type: 'completed', data: record.result as GenerationResult }
  const error = jobError(view) ?? new AppError('APP_ERR_INTERNAL')
  return { type: 'error', data: toErrorBody(error, record.id) }
}
