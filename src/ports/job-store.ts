import type { GenerationRecord, StoredError } from './generation-record.js'

/** A job's status as clients see it; it follows from its generation's status. */
export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** What only a job has, beside its generation's record (`jobs` table; migration 005). */
export interface JobEntry {
  /** The generation's id. */
  id: string
  /** Where the outcome is POSTed, or null. */
  callbackUrl: string | null
  /** Times a worker started it; a run cut short by a dead worker counts. */
  attempts: number
  /** The stage of the current run (`code`, `tests`, `docs`, `verify`, `metrics`), or null. */
  stage: string | null
  /** ISO-8601 times: entered the queue (last time), may run (backoff), started, finished. */
  queuedAt: string
  availableAt: string
  startedAt: string | null
  finishedAt: string | null
  /** The worker holding it while it runs, and until when its claim holds unless renewed. */
  workerId: string | null
  leaseUntil: string | null
  /** A cancel request waiting for the worker that runs it. */
  cancelRequested: boolean
}

/** A job: its generation's record (request, status, result, error, usage) and its entry. */
export interface JobView {
  record: GenerationRecord
  job: JobEntry
}

export interface JobQuery {
  /** Page size, 1–100. */
  limit: number
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string | undefined
  status?: JobStatus | undefined
  /** Only the jobs of this user (their generation's `userId`); all when undefined. */
  userId?: string | undefined
  /** Only the jobs of this language (their generation's `programmingLanguage`). */
  programmingLanguage?: string | undefined
  /** Only the jobs whose prompt contains this text, ignoring the case of ASCII letters. */
  search?: string | undefined
}

export interface JobPage {
  /** Newest first (by the generation's `createdAt`, then id). */
  items: JobView[]
  nextCursor: string | null
}

/** A worker claiming or starting a job: who, when, and until when its claim holds. */
export interface JobClaim {
  workerId: string
  /** ISO-8601. */
  now: string
  leaseUntil: string
}

/** Where a job's run ended. */
export interface JobFinish {
  /** ISO-8601. */
  now: string
  /** The generation's final status (`completed`, `partial`, `failed`, `cancelled`). */
  status: Extract<GenerationRecord['status'], 'completed' | 'partial' | 'failed' | 'cancelled'>
  /** Written on the record when given (a run that never reached the runner, say). */
  error?: StoredError | undefined
}

/** One event of a job's run, as stored: `seq` orders them and is the follower's cursor. */
export interface StoredJobEvent {
  seq: number
  type: string
  /** The event's data as JSON text. */
  data: string
}

/** A worker process, as its heart-beats describe it. */
export interface WorkerEntry {
  id: string
  host: string
  pid: number
  concurrency: number
  startedAt: string
  lastSeen: string
}

/** Counts of jobs by state, for health and metrics. */
export interface JobCounts {
  waiting: number
  active: number
  failed: number
}

/**
 * The jobs kept in the history's database, beside their generations. Every method is one
 * transaction and safe against other processes doing the same at the same time: the conditional
 * updates decide races (two workers claiming one job, a cancel racing a start), not the callers.
 * `test/contracts/job-store.contract.ts` is the specification both adapters pass.
 */
export interface JobStore {
  /**
   * Stores a new job: its generation's record (status `queued`) and its entry, in one transaction.
   * @throws IdempotencyKeyTaken as `GenerationStore.insert` does; nothing is stored then.
   */
  create(record: GenerationRecord, job: JobEntry): Promise<void>
  get(id: string): Promise<JobView | null>
  /** Newest first; `status` filters by job status (`completed` includes partial generations). */
  list(query: JobQuery): Promise<JobPage>
  /** 1-based place among queued jobs by `queuedAt` then id, or null when the job is not queued. */
  position(id: string): Promise<number | null>
  counts(): Promise<JobCounts>
  /**
   * Starts a run of `id` for `claim.workerId`: the generation becomes `running` (its result, error
   * and usage cleared), `attempts` grows by one, the lease is set, stage and cancel request
   * cleared, its old events removed. Only from `queued`, or `running` under an expired lease or
   * this same worker. Answers the job as it is now, or null when it may not start (finished,
   * cancelled, unknown, or running under another worker's live lease).
   */
  start(id: string, claim: JobClaim): Promise<JobView | null>
  /**
   * The database queue's pick: starts (as `start`) the oldest queued job whose `availableAt` has
   * come, skipping any another worker takes first. Null when none is ready.
   */
  claimNext(claim: JobClaim): Promise<JobView | null>
  /**
   * Ends the run of `workerId`: the generation's status (and error, when given), `finishedAt`,
   * and the lease released. False when the job is not running under that worker any more.
   */
  finish(id: string, workerId: string, finish: JobFinish): Promise<boolean>
  /**
   * Puts a job back in the queue, to run at `availableAt`: a retry after a retryable failure, a
   * run handed back at shutdown (`workerId` given: only while that worker holds it; with
   * `handback` the run is not counted among its attempts and the job keeps its place), or a failed
   * or cancelled job retried on request (`from: 'finished'`; attempts restart at 0, result and
   * error cleared). False when the job is not in the state asked for.
   */
  requeue(
    id: string,
    requeue: { now: string; availableAt: string } & (
      { from: 'running'; workerId: string; handback?: boolean } | { from: 'finished' }
    ),
  ): Promise<boolean>
  /** Records the stage of the current run. */
  setStage(id: string, stage: string): Promise<void>
  /**
   * Cancels a queued job at once (generation `cancelled` with `error`, `finishedAt` set). False
   * when it is not queued.
   */
  cancelQueued(id: string, now: string, error: StoredError): Promise<boolean>
  /** Flags a running job for its worker to stop. False when it is not running. */
  requestCancel(id: string): Promise<boolean>
  /**
   * Extends the leases of the jobs `workerId` runs and answers the ids among them with a cancel
   * request.
   */
  renewLeases(workerId: string, leaseUntil: string): Promise<string[]>
  /**
   * Puts back in the queue every running job whose lease expired before `now` (its worker stopped
   * answering); answers their ids.
   */
  requeueExpired(now: string): Promise<string[]>
  /**
   * Ids of queued jobs that could have run since before `before` (ISO-8601), oldest first, at
   * most `limit`: those a queue that lost its data (Redis restarted without persistence) no longer
   * holds, to be added again.
   */
  overdue(before: string, limit: number): Promise<string[]>
  /** Deletes jobs finished before `before` with their events (their generations stay). */
  purgeFinished(before: string): Promise<number>
  /** Appends events to the job's current run; `seq` values are the caller's and increase. */
  appendEvents(id: string, events: StoredJobEvent[]): Promise<void>
  /** The job's events with `seq` > `after`, in order, at most `limit`. */
  readEvents(id: string, after: number, limit: number): Promise<StoredJobEvent[]>
  /** Records that worker `entry` is alive at `now`, creating its entry on the first beat. */
  workerBeat(entry: Omit<WorkerEntry, 'lastSeen'>, now: string): Promise<void>
  /** Workers seen since `since` (ISO-8601), by id. */
  listWorkers(since: string): Promise<WorkerEntry[]>
  /** Removes a worker's entry (it stopped cleanly), and entries not seen since `staleBefore`. */
  forgetWorker(id: string, staleBefore: string): Promise<void>
}
