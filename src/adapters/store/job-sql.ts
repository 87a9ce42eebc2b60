/** The SQL of the job store, for both dialects (templates as `sql-program.ts` describes them). */
import type {
  JobEntry,
  JobStatus,
  JobView,
  StoredJobEvent,
  WorkerEntry,
} from '../../ports/job-store.js'
import type { GenerationStatus } from '../../ports/generation-store.js'
import { COLUMNS, fromRow, type GenerationRow } from './sql.js'
import type { Parameters } from './sql-program.js'

/** Generation statuses each job status stands for. */
export const STATUSES_OF: Record<JobStatus, GenerationStatus[]> = {
  queued: ['queued'],
  running: ['running'],
  completed: ['completed', 'partial'],
  failed: ['failed', 'interrupted'],
  cancelled: ['cancelled'],
}

/** A job's generation row joined with its `jobs` row (job columns prefixed where names clash). */
export interface JobRow extends GenerationRow {
  callback_url: string | null
  job_attempts: number | string
  stage: string | null
  queued_at: string
  available_at: string
  started_at: string | null
  finished_at: string | null
  worker_id: string | null
  lease_until: string | null
  cancel_requested: number | string
}

const JOB_SELECT = `SELECT ${COLUMNS.map((column) => `g.${column}`).join(', ')}, j.callback_url, j.attempts AS job_attempts, j.stage, j.queued_at, j.available_at, j.started_at, j.finished_at, j.worker_id, j.lease_until, j.cancel_requested FROM jobs j JOIN generations g ON g.id = j.id`

export function fromJobRow(row: JobRow): JobView {
  return {
    record: fromRow(row),
    job: {
      id: row.id,
      callbackUrl: row.callback_url,
      attempts: Number(row.job_attempts),
      stage: row.stage,
      queuedAt: row.queued_at,
      availableAt: row.available_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      workerId: row.worker_id,
      leaseUntil: row.lease_until,
      cancelRequested: Number(row.cancel_requested) !== 0,
    },
  }
}

export function jobParameters(job: JobEntry): Parameters {
  return {
    id: job.id,
    callbackUrl: job.callbackUrl,
    attempts: job.attempts,
    stage: job.stage,
    queuedAt: job.queuedAt,
    availableAt: job.availableAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    workerId: job.workerId,
    leaseUntil: job.leaseUntil,
    cancelRequested: job.cancelRequested ? 1 : 0,
  }
}

/** Parameters named after the columns: `toRow(record)` binds it. */
export const INSERT_GENERATION = `INSERT INTO generations (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((column) => `:${column}`).join(', ')})`

export const INSERT_JOB =
  'INSERT INTO jobs (id, callback_url, attempts, stage, queued_at, available_at, started_at, finished_at, worker_id, lease_until, cancel_requested) VALUES (:id, :callbackUrl, :attempts, :stage, :queuedAt, :availableAt, :startedAt, :finishedAt, :workerId, :leaseUntil, :cancelRequested)'

export const GET_JOB = `${JOB_SELECT} WHERE j.id = :id`
/** The job's row, locked (PostgreSQL) until the transaction ends. */
export const LOCK_JOB = `${JOB_SELECT} WHERE j.id = :id /*lock*/`

/** The oldest queued job that may run now, skipping those another transaction holds. */
export const NEXT_READY = `SELECT j.id FROM jobs j JOIN generations g ON g.id = j.id WHERE g.status = 'queued' AND j.available_at <= :now ORDER BY j.queued_at, j.id LIMIT 1 /*skip*/`

/** The page query of `list`; `owner` adds `:userId`, `cursor` the keyset condition. */
export function listJobsSql(
  statuses: GenerationStatus[] | null,
  cursor: boolean,
  filters: { owner?: boolean; language?: boolean; search?: boolean } = {},
): string {
  const conditions: string[] = []
  if (statuses)
    conditions.push(`g.status IN (${statuses.map((status) => `'${status}'`).join(', ')})`)
  if (filters.owner) conditions.push('g.user_id = :userId')
  if (filters.language) conditions.push('g.programming_language = :language')
  // lower() on both sides: SQLite's folds ASCII letters only, PostgreSQL's every letter.
  if (filters.search) {
    conditions.push(`lower(JSON_TEXT(g.request, 'prompt')) LIKE lower(:pattern) ESCAPE '\\'`)
  }
  if (cursor) {
    conditions.push(
      '(g.created_at < :createdAt OR (g.created_at = :createdAt AND g.id < :cursorId))',
    )
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''
  return `${JOB_SELECT} ${where} ORDER BY g.created_at DESC, g.id DESC LIMIT :limit`
}

export const POSITION = `SELECT (SELECT COUNT(*) FROM jobs o JOIN generations og ON og.id = o.id WHERE og.status = 'queued' AND (o.queued_at < j.queued_at OR (o.queued_at = j.queued_at AND o.id < j.id))) + 1 AS position FROM jobs j JOIN generations g ON g.id = j.id WHERE j.id = :id AND g.status = 'queued'`

/**
 * One count per state, each from the generations' status index: never a scan of every job kept.
 * Only jobs are ever `queued`, so that count needs no join.
 */
const countOf = (statuses: string) =>
  `(SELECT COUNT(*) FROM generations g JOIN jobs j ON j.id = g.id WHERE g.status IN (${statuses}))`
export const COUNTS = `SELECT (SELECT COUNT(*) FROM generations WHERE status = 'queued') AS waiting, ${countOf("'running'")} AS active, ${countOf("'failed', 'interrupted'")} AS failed`

/** Queued jobs ready since before `:before`, oldest first: those a queue may have lost. */
export const OVERDUE = `SELECT j.id FROM jobs j JOIN generations g ON g.id = j.id WHERE g.status = 'queued' AND j.available_at < :before ORDER BY j.available_at, j.id LIMIT :limit`

/** A new run: the record as a fresh run leaves it, owned by the worker's instance id. */
export const START_GENERATION = `UPDATE generations SET status = 'running', result = NULL, error_code = NULL, error_detail = NULL, attempts = '[]', prompt_tokens = 0, completion_tokens = 0, total_tokens = 0, llm_calls = 0, duration_ms = NULL, instance_id = :workerId, updated_at = :now WHERE id = :id`
export const START_JOB =
  'UPDATE jobs SET attempts = attempts + 1, started_at = :now, finished_at = NULL, worker_id = :workerId, lease_until = :leaseUntil, stage = NULL, cancel_requested = 0 WHERE id = :id'
export const DELETE_EVENTS = 'DELETE FROM job_events WHERE job_id = :id'

export function finishGenerationSql(withError: boolean): string {
  const error = withError ? ', error_code = :errorCode, error_detail = :errorDetail' : ''
  return `UPDATE generations SET status = :status${error}, updated_at = :now WHERE id = :id`
}
export const FINISH_JOB =
  'UPDATE jobs SET finished_at = :now, worker_id = NULL, lease_until = NULL WHERE id = :id'

export const REQUEUE_GENERATION = `UPDATE generations SET status = 'queued', updated_at = :now WHERE id = :id`
/** A retry on request starts over: no result, error or usage of the runs before. */
export const RESET_GENERATION = `UPDATE generations SET status = 'queued', result = NULL, error_code = NULL, error_detail = NULL, attempts = '[]', prompt_tokens = 0, completion_tokens = 0, total_tokens = 0, llm_calls = 0, duration_ms = NULL, updated_at = :now WHERE id = :id`
export const REQUEUE_JOB =
  'UPDATE jobs SET queued_at = :now, available_at = :availableAt, worker_id = NULL, lease_until = NULL WHERE id = :id'
/** A run handed back by a stopping worker: not an attempt, and its place in the line kept. */
export const HAND_BACK_JOB =
  'UPDATE jobs SET attempts = attempts - 1, available_at = :availableAt, worker_id = NULL, lease_until = NULL WHERE id = :id'
export const RESET_JOB =
  'UPDATE jobs SET attempts = 0, stage = NULL, queued_at = :now, available_at = :availableAt, started_at = NULL, finished_at = NULL, worker_id = NULL, lease_until = NULL, cancel_requested = 0 WHERE id = :id'

export const CANCEL_GENERATION = `UPDATE generations SET status = 'cancelled', error_code = :errorCode, error_detail = :errorDetail, updated_at = :now WHERE id = :id`
export const CANCEL_JOB = 'UPDATE jobs SET finished_at = :now WHERE id = :id'
export const REQUEST_CANCEL = 'UPDATE jobs SET cancel_requested = 1 WHERE id = :id'
export const SET_STAGE = 'UPDATE jobs SET stage = :stage WHERE id = :id'

/** Extends the leases of a worker's running jobs; answers them with their cancel requests. */
export const RENEW_LEASES = `UPDATE jobs SET lease_until = :leaseUntil WHERE worker_id = :workerId AND id IN (SELECT id FROM generations WHERE status = 'running') RETURNING id, cancel_requested`

/** Running jobs whose worker stopped renewing, skipping any another sweeper holds. */
export const LOCK_EXPIRED = `SELECT j.id FROM jobs j JOIN generations g ON g.id = j.id WHERE g.status = 'running' AND j.lease_until < :now ORDER BY j.id /*skip*/`

/** Finished jobs go with their events; a job retried meanwhile has no `finished_at` any more. */
export const PURGE_JOBS = 'DELETE FROM jobs WHERE finished_at < :before'
export const PURGE_EVENTS = 'DELETE FROM job_events WHERE job_id NOT IN (SELECT id FROM jobs)'

export const INSERT_EVENT =
  'INSERT INTO job_events (job_id, seq, type, data) VALUES (:id, :seq, :type, :data)'
export const READ_EVENTS =
  'SELECT seq, type, data FROM job_events WHERE job_id = :id AND seq > :after ORDER BY seq LIMIT :limit'

export function fromEventRow(row: {
  seq: number | string
  type: string
  data: string
}): StoredJobEvent {
  return { seq: Number(row.seq), type: row.type, data: row.data }
}

export const WORKER_BEAT =
  'INSERT INTO workers (id, host, pid, concurrency, started_at, last_seen) VALUES (:id, :host, :pid, :concurrency, :startedAt, :now) ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, concurrency = excluded.concurrency'
export const LIST_WORKERS =
  'SELECT id, host, pid, concurrency, started_at, last_seen FROM workers WHERE last_seen >= :since ORDER BY id'
export const FORGET_WORKERS = 'DELETE FROM workers WHERE id = :id OR last_seen < :staleBefore'

export interface WorkerRow {
  id: string
  host: string
  pid: number | string
  concurrency: number | string
  started_at: string
  last_seen: string
}

export function fromWorkerRow(row: WorkerRow): WorkerEntry {
  return {
    id: row.id,
    host: row.host,
    pid: Number(row.pid),
    concurrency: Number(row.concurrency),
    startedAt: row.started_at,
    lastSeen: row.last_seen,
  }
}
