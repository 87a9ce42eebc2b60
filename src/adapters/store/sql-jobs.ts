import type {
  JobClaim,
  JobCounts,
  JobEntry,
  JobFinish,
  JobPage,
  JobQuery,
  JobStore,
  JobView,
  StoredJobEvent,
  WorkerEntry,
} from '../../ports/job-store.js'
import {
  IdempotencyKeyTaken,
  type GenerationRecord,
  type StoredError,
} from '../../ports/generation-store.js'
import {
  CANCEL_GENERATION,
  CANCEL_JOB,
  COUNTS,
  DELETE_EVENTS,
  FINISH_JOB,
  finishGenerationSql,
  FORGET_WORKERS,
  fromEventRow,
  fromJobRow,
  fromWorkerRow,
  GET_JOB,
  INSERT_EVENT,
  INSERT_GENERATION,
  INSERT_JOB,
  jobParameters,
  listJobsSql,
  LIST_WORKERS,
  LOCK_EXPIRED,
  OVERDUE,
  LOCK_JOB,
  NEXT_READY,
  POSITION,
  PURGE_EVENTS,
  PURGE_JOBS,
  READ_EVENTS,
  RENEW_LEASES,
  REQUEST_CANCEL,
  REQUEUE_GENERATION,
  REQUEUE_JOB,
  HAND_BACK_JOB,
  RESET_GENERATION,
  RESET_JOB,
  SET_STAGE,
  START_GENERATION,
  START_JOB,
  STATUSES_OF,
  WORKER_BEAT,
  type JobRow,
  type WorkerRow,
} from './job-sql.js'
import { decodeCursor, encodeCursor, likeLiteral, storable, toRow } from './sql.js'
import {
  count,
  rows,
  type Parameters,
  type Program,
  type ProgramRunner,
  type Step,
} from './sql-program.js'

function* lockJob(id: string): Generator<Step, JobView | null, unknown> {
  const [row] = yield* rows<JobRow>(LOCK_JOB, { id })
  return row ? fromJobRow(row) : null
}

/** From `queued`, or `running` under an expired lease (its worker died) or this same worker. */
function mayStart(view: JobView, claim: JobClaim): boolean {
  if (view.record.status === 'queued') return true
  if (view.record.status !== 'running') return false
  const { workerId, leaseUntil } = view.job
  return workerId === claim.workerId || leaseUntil === null || leaseUntil < claim.now
}

function* startRun(id: string, claim: JobClaim): Generator<Step, JobView | null, unknown> {
  const view = yield* lockJob(id)
  if (!view || !mayStart(view, claim)) return null
  const parameters = { id, now: claim.now, workerId: claim.workerId, leaseUntil: claim.leaseUntil }
  yield* count(START_GENERATION, parameters)
  yield* count(START_JOB, parameters)
  yield* count(DELETE_EVENTS, { id })
  const [row] = yield* rows<JobRow>(GET_JOB, { id })
  return row ? fromJobRow(row) : null
}

/** Finished jobs a retry on request may put back; a completed (or partial) one keeps its result. */
const RETRYABLE = new Set(['failed', 'interrupted', 'cancelled'])

/** Rounds of `claimNext` before it gives up on jobs other workers keep taking first. */
const CLAIM_ROUNDS = 5

/**
 * The job store over either SQL dialect. Every mutation reads its job's row locked (PostgreSQL
 * `FOR UPDATE`; SQLite's immediate transactions already run one at a time, across processes
 * too), decides, then writes, all in one transaction: a race is decided by whoever locks first.
 */
export class SqlJobStore implements JobStore {
  /**
   * @param runner runs the programs on SQLite or PostgreSQL.
   * @param isIdempotencyKeyViolation whether an error is the database's report of a taken key.
   */
  constructor(
    private readonly runner: ProgramRunner,
    private readonly isIdempotencyKeyViolation: (error: unknown) => boolean,
  ) {}

  private read<T>(program: () => Program<T>): Promise<T> {
    return this.runner.read(program)
  }

  private write<T>(program: () => Program<T>): Promise<T> {
    return this.runner.write(program)
  }

  async create(record: GenerationRecord, job: JobEntry): Promise<void> {
    try {
      await this.write(function* () {
        yield* count(INSERT_GENERATION, toRow(record))
        yield* count(INSERT_JOB, jobParameters(job))
      })
    } catch (error) {
      if (record.idempotencyKey !== null && this.isIdempotencyKeyViolation(error)) {
        throw new IdempotencyKeyTaken(record.idempotencyKey, { cause: error })
      }
      throw error
    }
  }

  get(id: string): Promise<JobView | null> {
    return this.read(function* () {
      if (!storable(id)) return null
      const [row] = yield* rows<JobRow>(GET_JOB, { id })
      return row ? fromJobRow(row) : null
    })
  }

  async list(query: JobQuery): Promise<JobPage> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : null
    const owner = query.userId !== undefined
    const language = query.programmingLanguage !== undefined
    const search = Boolean(query.search)
    const sql = listJobsSql(query.status ? STATUSES_OF[query.status] : null, cursor !== null, {
      owner,
      language,
      search,
    })
    const parameters: Parameters = { limit: query.limit + 1 }
    if (cursor) [parameters.createdAt, parameters.cursorId] = cursor
    if (owner) parameters.userId = query.userId ?? null
    if (language) parameters.language = query.programmingLanguage ?? null
    if (search) parameters.pattern = `%${likeLiteral(query.search ?? '')}%`
    // No stored value holds a NUL, and PostgreSQL would refuse to compare with one.
    const unmatchable = [query.userId, query.programmingLanguage, query.search].some(
      (value) => value !== undefined && !storable(value),
    )
    return this.read(function* () {
      if (unmatchable) return { items: [], nextCursor: null }
      const found = yield* rows<JobRow>(sql, parameters)
      const items = found.slice(0, query.limit).map(fromJobRow)
      const last = items.at(-1)?.record
      return { items, nextCursor: found.length > query.limit && last ? encodeCursor(last) : null }
    })
  }

  position(id: string): Promise<number | null> {
    return this.read(function* () {
      if (!storable(id)) return null
      const [row] = yield* rows<{ position: number | string }>(POSITION, { id })
      return row ? Number(row.position) : null
    })
  }

  counts(): Promise<JobCounts> {
    return this.read(function* () {
      const [row] = yield* rows<Record<keyof JobCounts, number | string>>(COUNTS, {})
      return {
        waiting: Number(row?.waiting ?? 0),
        active: Number(row?.active ?? 0),
        failed: Number(row?.failed ?? 0),
      }
    })
  }

  start(id: string, claim: JobClaim): Promise<JobView | null> {
    if (!storable(id)) return Promise.resolve(null)
    return this.write(() => startRun(id, claim))
  }

  claimNext(claim: JobClaim): Promise<JobView | null> {
    return this.write(function* () {
      for (let round = 0; round < CLAIM_ROUNDS; round += 1) {
        const [next] = yield* rows<{ id: string }>(NEXT_READY, { now: claim.now })
        if (!next) return null
        const started = yield* startRun(next.id, claim)
        if (started) return started
      }
      return null
    })
  }

  finish(id: string, workerId: string, finish: JobFinish): Promise<boolean> {
    if (!storable(id)) return Promise.resolve(false)
    return this.write(function* () {
      const view = yield* lockJob(id)
      if (view?.record.status !== 'running' || view.job.workerId !== workerId) return false
      yield* count(finishGenerationSql(finish.error !== undefined), {
        id,
        now: finish.now,
        status: finish.status,
        errorCode: finish.error?.code ?? null,
        errorDetail: finish.error?.detail ?? null,
      })
      yield* count(FINISH_JOB, { id, now: finish.now })
      return true
    })
  }

  requeue(
    id: string,
    requeue: { now: string; availableAt: string } & (
      { from: 'running'; workerId: string; handback?: boolean } | { from: 'finished' }
    ),
  ): Promise<boolean> {
    if (!storable(id)) return Promise.resolve(false)
    const parameters = { id, now: requeue.now, availableAt: requeue.availableAt }
    return this.write(function* () {
      const view = yield* lockJob(id)
      if (!view) return false
      if (requeue.from === 'running') {
        if (view.record.status !== 'running' || view.job.workerId !== requeue.workerId) return false
        yield* count(REQUEUE_GENERATION, parameters)
        yield* count(requeue.handback ? HAND_BACK_JOB : REQUEUE_JOB, parameters)
        return true
      }
      if (!RETRYABLE.has(view.record.status)) return false
      yield* count(RESET_GENERATION, parameters)
      yield* count(RESET_JOB, parameters)
      yield* count(DELETE_EVENTS, { id })
      return true
    })
  }

  async setStage(id: string, stage: string): Promise<void> {
    if (!storable(id)) return
    await this.write(function* () {
      yield* count(SET_STAGE, { id, stage })
    })
  }

  cancelQueued(id: string, now: string, error: StoredError): Promise<boolean> {
    if (!storable(id)) return Promise.resolve(false)
    return this.write(function* () {
      const view = yield* lockJob(id)
      if (view?.record.status !== 'queued') return false
      yield* count(CANCEL_GENERATION, {
        id,
        now,
        errorCode: error.code,
        errorDetail: error.detail,
      })
      yield* count(CANCEL_JOB, { id, now })
      return true
    })
  }

  requestCancel(id: string): Promise<boolean> {
    if (!storable(id)) return Promise.resolve(false)
    return this.write(function* () {
      const view = yield* lockJob(id)
      if (view?.record.status !== 'running') return false
      yield* count(REQUEST_CANCEL, { id })
      return true
    })
  }

  renewLeases(workerId: string, leaseUntil: string): Promise<string[]> {
    return this.write(function* () {
      const renewed = yield* rows<{ id: string; cancel_requested: number | string }>(RENEW_LEASES, {
        workerId,
        leaseUntil,
      })
      return renewed
        .filter((row) => Number(row.cancel_requested) !== 0)
        .map((row) => row.id)
        .sort()
    })
  }

  requeueExpired(now: string): Promise<string[]> {
    return this.write(function* () {
      const expired = yield* rows<{ id: string }>(LOCK_EXPIRED, { now })
      for (const { id } of expired) {
        yield* count(REQUEUE_GENERATION, { id, now })
        yield* count(REQUEUE_JOB, { id, now, availableAt: now })
      }
      return expired.map((row) => row.id)
    })
  }

  overdue(before: string, limit: number): Promise<string[]> {
    return this.read(function* () {
      return (yield* rows<{ id: string }>(OVERDUE, { before, limit })).map((row) => row.id)
    })
  }

  purgeFinished(before: string): Promise<number> {
    return this.write(function* () {
      const purged = yield* count(PURGE_JOBS, { before })
      if (purged > 0) yield* count(PURGE_EVENTS, {})
      return purged
    })
  }

  async appendEvents(id: string, events: StoredJobEvent[]): Promise<void> {
    if (events.length === 0) return
    await this.write(function* () {
      for (const event of events) {
        yield* count(INSERT_EVENT, { id, seq: event.seq, type: event.type, data: event.data })
      }
    })
  }

  readEvents(id: string, after: number, limit: number): Promise<StoredJobEvent[]> {
    return this.read(function* () {
      if (!storable(id)) return []
      return (yield* rows<{ seq: number | string; type: string; data: string }>(READ_EVENTS, {
        id,
        after,
        limit,
      })).map(fromEventRow)
    })
  }

  async workerBeat(entry: Omit<WorkerEntry, 'lastSeen'>, now: string): Promise<void> {
    await this.write(function* () {
      yield* count(WORKER_BEAT, { ...entry, now })
    })
  }

  listWorkers(since: string): Promise<WorkerEntry[]> {
    return this.read(function* () {
      return (yield* rows<WorkerRow>(LIST_WORKERS, { since })).map(fromWorkerRow)
    })
  }

  async forgetWorker(id: string, staleBefore: string): Promise<void> {
    await this.write(function* () {
      yield* count(FORGET_WORKERS, { id, staleBefore })
    })
  }
}
