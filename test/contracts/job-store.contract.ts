import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.js'
import {
  IdempotencyKeyTaken,
  type GenerationRecord,
  type GenerationStore,
} from '../../src/ports/generation-store.js'
import type { JobClaim, JobEntry, JobStore } from '../../src/ports/job-store.js'
import { sampleRecord } from './generation-store.contract.js'

/** A fixed clock: `at(seconds)` is that many seconds after a base time, as ISO-8601. */
const BASE = Date.parse('2030-06-01T12:00:00.000Z')
export const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString()

/** A queued job (its record and entry) created at `at(seconds)`. */
export function sampleJob(
  seconds = 0,
  overrides: { record?: Partial<GenerationRecord>; job?: Partial<JobEntry> } = {},
): { record: GenerationRecord; job: JobEntry } {
  const record = sampleRecord({ createdAt: at(seconds), status: 'queued', ...overrides.record })
  const job: JobEntry = {
    id: record.id,
    callbackUrl: null,
    attempts: 0,
    stage: null,
    queuedAt: at(seconds),
    availableAt: at(seconds),
    startedAt: null,
    finishedAt: null,
    workerId: null,
    leaseUntil: null,
    cancelRequested: false,
    ...overrides.job,
  }
  return { record, job }
}

const claim = (workerId: string, seconds: number, leaseSeconds = 30): JobClaim => ({
  workerId,
  now: at(seconds),
  leaseUntil: at(seconds + leaseSeconds),
})

const STOPPED = { code: 'APP_ERR_GENERATION_CANCELLED', detail: 'cancelled by the client' }

/** A database of the contract: connections to it (`open` may be called again when `shared`). */
export interface JobDatabase {
  open(): Promise<GenerationStore>
  /** Whether a second `open` reaches the same database (false for `:memory:`). */
  shared: boolean
  /** Removes the database once the test's connections are closed. */
  remove?: () => Promise<void>
}

/**
 * The specification of the job store, run against every adapter. `database` makes a new, empty
 * database for each test.
 */
export function runJobStoreContract(name: string, database: () => Promise<JobDatabase>): void {
  describe(`${name} job store`, () => {
    let db: JobDatabase
    let store: GenerationStore
    let jobs: JobStore
    const opened: GenerationStore[] = []

    /** Another connection to the same database (the same one when the database is not shared). */
    async function peer(): Promise<JobStore> {
      if (!db.shared) return jobs
      const other = await db.open()
      opened.push(other)
      return other.jobs
    }

    async function created(seconds = 0, overrides: Parameters<typeof sampleJob>[1] = {}) {
      const sample = sampleJob(seconds, overrides)
      await jobs.create(sample.record, sample.job)
      return sample
    }

    beforeEach(async () => {
      db = await database()
      store = await db.open()
      opened.push(store)
      jobs = store.jobs
    })
    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close()
      await db?.remove?.()
    })

    it('creates a job with its generation record, and reads both back', async () => {
      const { record, job } = await created(0, { job: { callbackUrl: 'https://example.com/h' } })
      expect(await jobs.get(record.id)).toEqual({ record, job })
      expect(await store.get(record.id)).toEqual(record)
      expect(await jobs.get(randomUUID())).toBeNull()
      expect(await jobs.get('nul\u0000id')).toBeNull()
    })

    it('refuses a taken idempotency key and stores nothing of the job', async () => {
      const key = `key-${randomUUID()}`
      const first = await created(0, { record: { idempotencyKey: key } })
      const second = sampleJob(1, { record: { idempotencyKey: key } })
      await expect(jobs.create(second.record, second.job)).rejects.toBeInstanceOf(
        IdempotencyKeyTaken,
      )
      expect(await jobs.get(second.record.id)).toBeNull()
      expect(await store.get(second.record.id)).toBeNull()
      expect((await store.findByIdempotencyKey(key))?.id).toBe(first.record.id)
      // A plain generation holding the key counts too.
      const plainKey = `key-${randomUUID()}`
      await store.insert(sampleRecord({ idempotencyKey: plainKey }))
      const third = sampleJob(2, { record: { idempotencyKey: plainKey } })
      await expect(jobs.create(third.record, third.job)).rejects.toBeInstanceOf(IdempotencyKeyTaken)
      expect(await store.get(third.record.id)).toBeNull()
      expect((await jobs.counts()).waiting).toBe(1)
    })

    it('lists jobs newest first in cursor pages, filtered by job status', async () => {
      const samples = []
      for (let index = 0; index < 7; index += 1) samples.push(await created(index))
      // A plain generation is no job.
      await store.insert(sampleRecord({ createdAt: at(100) }))
      const seen: string[] = []
      let cursor: string | undefined
      for (let page = 0; page < 10; page += 1) {
        const result = await jobs.list({ limit: 3, cursor })
        seen.push(...result.items.map((item) => item.record.id))
        if (!result.nextCursor) break
        cursor = result.nextCursor
      }
      expect(seen).toEqual(samples.map((sample) => sample.record.id).reverse())

      const [a, b, c, d, e] = samples.map((sample) => sample.record.id) as string[]
      await store.update(a!, { status: 'partial' })
      await store.update(b!, { status: 'completed' })
      await store.update(c!, { status: 'interrupted' })
      await store.update(d!, { status: 'failed' })
      await jobs.cancelQueued(e!, at(10), STOPPED)
      const ids = async (status: Parameters<JobStore['list']>[0]['status']) =>
        (await jobs.list({ limit: 100, status })).items.map((item) => item.record.id)
      expect(await ids('completed')).toEqual([b, a])
      expect(await ids('failed')).toEqual([d, c])
      expect(await ids('cancelled')).toEqual([e])
      expect(await ids('queued')).toEqual(
        samples
          .slice(5)
          .map((s) => s.record.id)
          .reverse(),
      )
      expect(await ids('running')).toEqual([])
      await expect(jobs.list({ limit: 3, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(AppError)
    })

    it("keeps a job's owner and lists only that user's jobs when asked", async () => {
      const mine = await created(0, { record: { userId: 'alice' } })
      const theirs = await created(1, { record: { userId: 'bob' } })
      const anonymous = await created(2)
      expect((await jobs.get(mine.record.id))?.record.userId).toBe('alice')
      const ids = async (userId: string | undefined) =>
        (await jobs.list({ limit: 10, userId, status: 'queued' })).items.map(
          (item) => item.record.id,
        )
      expect(await ids('alice')).toEqual([mine.record.id])
      expect(await ids('bob')).toEqual([theirs.record.id])
      expect(await ids('carol')).toEqual([])
      expect(await ids('alice\u0000')).toEqual([])
      expect(await ids(undefined)).toEqual([anonymous.record.id, theirs.record.id, mine.record.id])
    })

    it('lists the jobs of one language, and those whose prompt holds a text, wildcards taken literally', async () => {
      const request = (prompt: string, language: string) => ({
        record: {
          programmingLanguage: language,
          request: { prompt, programming_language: language },
        },
      })
      const duration = await created(0, request('Parse an ISO-8601 Duration', 'python'))
      const percent = await created(1, request('format 100% of a_b', 'python'))
      const words = await created(2, request('reverse the words of a sentence', 'go'))
      // Prompts PostgreSQL cannot decode from JSON must not fail the search of the others.
      await created(3, request('nul \u0000 and lone \ud800', 'rust'))
      const ids = async (query: { programmingLanguage?: string; search?: string }) =>
        (await jobs.list({ limit: 10, ...query })).items.map((item) => item.record.id)
      expect(await ids({ programmingLanguage: 'python' })).toEqual([
        percent.record.id,
        duration.record.id,
      ])
      expect(await ids({ programmingLanguage: 'go' })).toEqual([words.record.id])
      expect(await ids({ search: 'iso-8601 DURATION' })).toEqual([duration.record.id])
      expect(await ids({ search: ' OF A' })).toEqual([words.record.id, percent.record.id])
      expect(await ids({ search: '%' })).toEqual([percent.record.id])
      expect(await ids({ search: '_' })).toEqual([percent.record.id])
      expect(await ids({ search: 'of a', programmingLanguage: 'go' })).toEqual([words.record.id])
      expect(await ids({ search: 'programming_language' })).toEqual([])
      expect(await ids({ search: 'x\u0000' })).toEqual([])
      expect(await ids({ programmingLanguage: 'py\u0000' })).toEqual([])
    })

    it('tells a queued job its place in the line, and counts jobs by state', async () => {
      const first = await created(0)
      const second = await created(1, { job: { queuedAt: at(5) } })
      const third = await created(2, { job: { queuedAt: at(3) } })
      expect(await jobs.position(first.record.id)).toBe(1)
      expect(await jobs.position(third.record.id)).toBe(2)
      expect(await jobs.position(second.record.id)).toBe(3)
      expect(await jobs.position(randomUUID())).toBeNull()
      expect(await jobs.counts()).toEqual({ waiting: 3, active: 0, failed: 0 })

      await jobs.start(first.record.id, claim('w1', 10))
      expect(await jobs.position(first.record.id)).toBeNull()
      expect(await jobs.position(third.record.id)).toBe(1)
      expect(await jobs.counts()).toEqual({ waiting: 2, active: 1, failed: 0 })
      await jobs.finish(first.record.id, 'w1', { now: at(11), status: 'failed' })
      expect(await jobs.counts()).toEqual({ waiting: 2, active: 0, failed: 1 })
    })

    it('starts a queued job: a fresh run under the worker, its old run cleared', async () => {
      const { record } = await created(0)
      await store.update(record.id, {
        result: { code: 'x' },
        error: { code: 'APP_ERR_INTERNAL', detail: 'old' },
        usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3, llmCalls: 1 },
        attempts: [{ attempt: 1 }],
      })
      await jobs.setStage(record.id, 'tests')
      await jobs.appendEvents(record.id, [{ seq: 1, type: 'stage-start', data: '{}' }])
      const view = await jobs.start(record.id, claim('w1', 10))
      expect(view?.record).toMatchObject({
        status: 'running',
        result: null,
        error: null,
        attempts: [],
        usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0, llmCalls: 0 },
        instanceId: 'w1',
      })
      expect(view?.job).toMatchObject({
        attempts: 1,
        stage: null,
        startedAt: at(10),
        finishedAt: null,
        workerId: 'w1',
        leaseUntil: at(40),
        cancelRequested: false,
      })
      expect(await jobs.get(record.id)).toEqual(view)
      expect(await jobs.readEvents(record.id, 0, 10)).toEqual([])
    })

    it('refuses a start under another live lease, allows it once the lease expired', async () => {
      const { record } = await created(0)
      expect(await jobs.start(record.id, claim('w1', 10))).not.toBeNull()
      expect(await jobs.start(record.id, claim('w2', 20))).toBeNull()
      // The same worker may start it again (a retry of its own run).
      expect((await jobs.start(record.id, claim('w1', 20)))?.job.attempts).toBe(2)
      const late = await jobs.start(record.id, claim('w2', 51))
      expect(late?.job).toMatchObject({ workerId: 'w2', attempts: 3, leaseUntil: at(81) })
      expect(await jobs.start(randomUUID(), claim('w1', 60))).toBeNull()
    })

    it('refuses to start a finished or cancelled job', async () => {
      const done = await created(0)
      await jobs.start(done.record.id, claim('w1', 1))
      expect(await jobs.finish(done.record.id, 'w1', { now: at(2), status: 'completed' })).toBe(
        true,
      )
      expect(await jobs.start(done.record.id, claim('w1', 3))).toBeNull()
      const cancelled = await created(1)
      expect(await jobs.cancelQueued(cancelled.record.id, at(2), STOPPED)).toBe(true)
      expect(await jobs.start(cancelled.record.id, claim('w1', 3))).toBeNull()
      expect((await jobs.get(done.record.id))?.record.status).toBe('completed')
      expect((await jobs.get(cancelled.record.id))?.record.status).toBe('cancelled')
    })

    it('claims the oldest queued job that may run, and nothing when none may', async () => {
      const later = await created(0, { job: { queuedAt: at(2), availableAt: at(2) } })
      const older = await created(1, { job: { queuedAt: at(1), availableAt: at(1) } })
      const backoff = await created(2, { job: { queuedAt: at(0), availableAt: at(100) } })
      expect((await jobs.claimNext(claim('w1', 10)))?.record.id).toBe(older.record.id)
      const next = await jobs.claimNext(claim('w1', 10))
      expect(next?.record.id).toBe(later.record.id)
      expect(next?.job).toMatchObject({ workerId: 'w1', attempts: 1, leaseUntil: at(40) })
      expect(await jobs.claimNext(claim('w1', 10))).toBeNull()
      expect((await jobs.claimNext(claim('w1', 100)))?.record.id).toBe(backoff.record.id)
      expect(await jobs.claimNext(claim('w1', 200))).toBeNull()
    })

    it('never hands one job to two workers claiming at once over two connections', async () => {
      const total = 12
      const ids = new Set<string>()
      for (let index = 0; index < total; index += 1) ids.add((await created(index)).record.id)
      const other = await peer()
      const claimAll = async (store: JobStore, worker: string) => {
        const mine: string[] = []
        for (;;) {
          const batch = await Promise.all([
            store.claimNext(claim(worker, 100)),
            store.claimNext(claim(worker, 100)),
          ])
          const got = batch.filter((view) => view !== null)
          mine.push(...got.map((view) => view.record.id))
          if (got.length < batch.length) return mine
        }
      }
      const [first, second] = await Promise.all([claimAll(jobs, 'w1'), claimAll(other, 'w2')])
      const all = [...first, ...second]
      expect(all).toHaveLength(total)
      expect(new Set(all)).toEqual(ids)
      for (const id of first) expect((await jobs.get(id))?.job.workerId).toBe('w1')
      for (const id of second) expect((await jobs.get(id))?.job.attempts).toBe(1)
    })

    it('finishes only the run of the worker holding it, keeping the runner’s result', async () => {
      const { record } = await created(0)
      await jobs.start(record.id, claim('w1', 1))
      // w1 stalls; w2 takes the job over once the lease expired, and completes it.
      await jobs.start(record.id, claim('w2', 40))
      await store.update(record.id, { result: { code: 'def f(): pass' } })
      expect(await jobs.finish(record.id, 'w2', { now: at(41), status: 'completed' })).toBe(true)
      const stale = {
        now: at(42),
        status: 'failed' as const,
        error: { code: 'APP_ERR_INTERNAL', detail: 'stale' },
      }
      expect(await jobs.finish(record.id, 'w1', stale)).toBe(false)
      expect(await jobs.finish(record.id, 'w2', stale)).toBe(false)
      const view = await jobs.get(record.id)
      expect(view?.record).toMatchObject({
        status: 'completed',
        result: { code: 'def f(): pass' },
        error: null,
      })
      expect(view?.job).toMatchObject({ finishedAt: at(41), workerId: null, leaseUntil: null })
      // A failure with an error writes it.
      const failing = await created(1)
      await jobs.start(failing.record.id, claim('w1', 50))
      expect(await jobs.finish(failing.record.id, 'w1', { ...stale, now: at(51) })).toBe(true)
      expect((await jobs.get(failing.record.id))?.record).toMatchObject({
        status: 'failed',
        error: { code: 'APP_ERR_INTERNAL', detail: 'stale' },
      })
      expect(await jobs.finish(randomUUID(), 'w1', stale)).toBe(false)
    })

    it('requeues a running job only for its worker', async () => {
      const { record } = await created(0)
      await jobs.start(record.id, claim('w1', 1))
      const back = { from: 'running', now: at(5), availableAt: at(65) } as const
      expect(await jobs.requeue(record.id, { ...back, workerId: 'w2' })).toBe(false)
      expect(await jobs.requeue(record.id, { ...back, from: 'finished' })).toBe(false)
      expect(await jobs.requeue(record.id, { ...back, workerId: 'w1' })).toBe(true)
      const view = await jobs.get(record.id)
      expect(view?.record.status).toBe('queued')
      expect(view?.job).toMatchObject({
        attempts: 1,
        queuedAt: at(5),
        availableAt: at(65),
        workerId: null,
        leaseUntil: null,
      })
      expect(await jobs.claimNext(claim('w2', 10))).toBeNull()
      expect((await jobs.claimNext(claim('w2', 65)))?.job.attempts).toBe(2)
    })

    it('takes a run handed back by a stopping worker as no attempt, keeping its place in line', async () => {
      const { record } = await created(0)
      await created(1)
      await jobs.start(record.id, claim('w1', 2))
      const back = { from: 'running', workerId: 'w1', handback: true } as const
      expect(await jobs.requeue(record.id, { ...back, now: at(5), availableAt: at(5) })).toBe(true)
      expect((await jobs.get(record.id))?.job).toMatchObject({ attempts: 0, queuedAt: at(0) })
      expect(await jobs.position(record.id)).toBe(1)
      expect((await jobs.claimNext(claim('w2', 6)))?.job).toMatchObject({
        id: record.id,
        attempts: 1,
      })
    })

    it('retries a failed or cancelled job on request from scratch, never a completed one', async () => {
      const failed = await created(0)
      await jobs.start(failed.record.id, claim('w1', 1))
      await store.update(failed.record.id, { result: { partial: true } })
      await jobs.appendEvents(failed.record.id, [{ seq: 1, type: 'x', data: '1' }])
      await jobs.finish(failed.record.id, 'w1', {
        now: at(2),
        status: 'failed',
        error: { code: 'APP_ERR_PROVIDER_TIMEOUT', detail: 'slow' },
      })
      const retry = { from: 'finished', now: at(10), availableAt: at(10) } as const
      expect(await jobs.requeue(failed.record.id, retry)).toBe(true)
      const view = await jobs.get(failed.record.id)
      expect(view?.record).toMatchObject({ status: 'queued', result: null, error: null })
      expect(view?.job).toMatchObject({
        attempts: 0,
        queuedAt: at(10),
        finishedAt: null,
        workerId: null,
      })
      expect(await jobs.readEvents(failed.record.id, 0, 10)).toEqual([])
      expect(await jobs.requeue(failed.record.id, retry)).toBe(false)

      const cancelled = await created(1)
      await jobs.cancelQueued(cancelled.record.id, at(2), STOPPED)
      expect(await jobs.requeue(cancelled.record.id, retry)).toBe(true)

      const completed = await created(2)
      await jobs.start(completed.record.id, claim('w1', 3))
      await jobs.finish(completed.record.id, 'w1', { now: at(4), status: 'partial' })
      expect(await jobs.requeue(completed.record.id, retry)).toBe(false)
      expect((await jobs.get(completed.record.id))?.record.status).toBe('partial')
    })

    it('cancels a queued job at once, and no other', async () => {
      const { record } = await created(0)
      expect(await jobs.cancelQueued(record.id, at(3), STOPPED)).toBe(true)
      const view = await jobs.get(record.id)
      expect(view?.record).toMatchObject({ status: 'cancelled', error: STOPPED })
      expect(view?.job.finishedAt).toBe(at(3))
      expect(await jobs.cancelQueued(record.id, at(4), STOPPED)).toBe(false)
      const running = await created(1)
      await jobs.start(running.record.id, claim('w1', 2))
      expect(await jobs.cancelQueued(running.record.id, at(4), STOPPED)).toBe(false)
      expect(await jobs.cancelQueued(randomUUID(), at(4), STOPPED)).toBe(false)
    })

    it('lets exactly one of a cancel and a start racing on a queued job win', async () => {
      const other = await peer()
      for (let round = 0; round < 5; round += 1) {
        const { record } = await created(round)
        const [cancelled, started] = await Promise.all([
          jobs.cancelQueued(record.id, at(50), STOPPED),
          other.start(record.id, claim('w2', 50)),
        ])
        expect(cancelled !== (started !== null)).toBe(true)
        const status = (await jobs.get(record.id))?.record.status
        expect(status).toBe(cancelled ? 'cancelled' : 'running')
      }
    })

    it('flags a running job for cancelling, and its worker learns it when renewing', async () => {
      const mine = await created(0)
      const flagged = await created(1)
      const theirs = await created(2)
      await jobs.start(mine.record.id, claim('w1', 5))
      await jobs.start(flagged.record.id, claim('w1', 5))
      await jobs.start(theirs.record.id, claim('w2', 5))
      expect(await jobs.requestCancel(flagged.record.id)).toBe(true)
      expect(await jobs.requestCancel(theirs.record.id)).toBe(true)
      const queued = await created(3)
      expect(await jobs.requestCancel(queued.record.id)).toBe(false)
      expect(await jobs.requestCancel(randomUUID())).toBe(false)

      expect(await jobs.renewLeases('w1', at(100))).toEqual([flagged.record.id])
      expect((await jobs.get(mine.record.id))?.job).toMatchObject({
        leaseUntil: at(100),
        cancelRequested: false,
      })
      expect((await jobs.get(flagged.record.id))?.job.cancelRequested).toBe(true)
      expect((await jobs.get(theirs.record.id))?.job.leaseUntil).toBe(at(35))
      expect(await jobs.renewLeases('nobody', at(100))).toEqual([])
    })

    it('puts the jobs of a worker that stopped renewing back in the queue', async () => {
      const stalled = await created(0)
      const alive = await created(1)
      await jobs.start(stalled.record.id, claim('w1', 1, 10))
      await jobs.start(alive.record.id, claim('w2', 1, 10))
      await jobs.renewLeases('w2', at(60))
      expect(await jobs.requeueExpired(at(20))).toEqual([stalled.record.id])
      const view = await jobs.get(stalled.record.id)
      expect(view?.record.status).toBe('queued')
      expect(view?.job).toMatchObject({
        attempts: 1,
        workerId: null,
        leaseUntil: null,
        queuedAt: at(20),
        availableAt: at(20),
      })
      expect(await jobs.requeueExpired(at(20))).toEqual([])
      expect((await jobs.get(alive.record.id))?.record.status).toBe('running')
      // The stalled worker wakes up too late: its run is no longer its to finish.
      expect(await jobs.finish(stalled.record.id, 'w1', { now: at(21), status: 'completed' })).toBe(
        false,
      )
    })

    it('names the queued jobs ready since before a time, oldest first, for a queue that lost them', async () => {
      const older = await created(0, { job: { availableAt: at(5) } })
      const newer = await created(1, { job: { availableAt: at(2) } })
      const later = await created(2, { job: { availableAt: at(30) } })
      const running = await created(3)
      await jobs.start(running.record.id, claim('w1', 4))
      expect(await jobs.overdue(at(10), 10)).toEqual([newer.record.id, older.record.id])
      expect(await jobs.overdue(at(10), 1)).toEqual([newer.record.id])
      expect(await jobs.overdue(at(60), 10)).not.toContain(running.record.id)
      expect(await jobs.overdue(at(60), 10)).toContain(later.record.id)
    })

    it('leaves job records alone when interrupting the orphans of gone processes', async () => {
      const job = await created(0)
      await jobs.start(job.record.id, claim('gone-worker', 1))
      const plain = sampleRecord({ instanceId: 'gone-worker' })
      await store.insert(plain)
      const marked = await store.interruptOrphans({
        self: 'me',
        staleBefore: at(1000),
        now: at(1000),
        error: { code: 'APP_ERR_GENERATION_INTERRUPTED', detail: 'stopped' },
      })
      expect(marked).toEqual([plain.id])
      expect((await jobs.get(job.record.id))?.record.status).toBe('running')
    })

    it('purges the jobs finished before a time with their events, keeping the generations', async () => {
      const old = await created(0)
      const recent = await created(1)
      const waiting = await created(2)
      for (const [sample, end] of [
        [old, 10],
        [recent, 100],
      ] as const) {
        await jobs.start(sample.record.id, claim('w1', end - 1))
        await jobs.appendEvents(sample.record.id, [{ seq: 1, type: 'x', data: '{}' }])
        await jobs.finish(sample.record.id, 'w1', { now: at(end), status: 'completed' })
      }
      expect(await jobs.purgeFinished(at(50))).toBe(1)
      expect(await jobs.get(old.record.id)).toBeNull()
      expect(await jobs.readEvents(old.record.id, 0, 10)).toEqual([])
      expect((await store.get(old.record.id))?.status).toBe('completed')
      expect(await jobs.get(recent.record.id)).not.toBeNull()
      expect(await jobs.readEvents(recent.record.id, 0, 10)).toHaveLength(1)
      expect(await jobs.get(waiting.record.id)).not.toBeNull()
      expect(await jobs.purgeFinished(at(50))).toBe(0)
    })

    it('keeps a run’s events in order and reads them after a cursor', async () => {
      const { record } = await created(0)
      const events = Array.from({ length: 5 }, (_, index) => ({
        seq: index + 1,
        type: index % 2 ? 'text-delta' : 'stage-start',
        data: JSON.stringify({ index, text: 'ünïcode "quoted"' }),
      }))
      await jobs.appendEvents(record.id, events.slice(0, 2))
      await jobs.appendEvents(record.id, events.slice(2))
      await jobs.appendEvents(record.id, [])
      expect(await jobs.readEvents(record.id, 0, 100)).toEqual(events)
      expect(await jobs.readEvents(record.id, 2, 100)).toEqual(events.slice(2))
      expect(await jobs.readEvents(record.id, 1, 2)).toEqual(events.slice(1, 3))
      expect(await jobs.readEvents(record.id, 5, 100)).toEqual([])
      expect(await jobs.readEvents(randomUUID(), 0, 100)).toEqual([])
    })

    it('records the stage of the current run', async () => {
      const { record } = await created(0)
      await jobs.start(record.id, claim('w1', 1))
      await jobs.setStage(record.id, 'verify')
      expect((await jobs.get(record.id))?.job.stage).toBe('verify')
    })

    it('keeps the registry of workers by their heart-beats', async () => {
      const entry = (id: string) => ({
        id,
        host: 'host-a',
        pid: 4242,
        concurrency: 4,
        startedAt: at(0),
      })
      await jobs.workerBeat(entry('w1'), at(1))
      await jobs.workerBeat(entry('w2'), at(1))
      await jobs.workerBeat(entry('w1'), at(50))
      await jobs.workerBeat(entry('w3'), at(60))
      expect(await jobs.listWorkers(at(0))).toEqual([
        { ...entry('w1'), lastSeen: at(50) },
        { ...entry('w2'), lastSeen: at(1) },
        { ...entry('w3'), lastSeen: at(60) },
      ])
      expect((await jobs.listWorkers(at(30))).map((worker) => worker.id)).toEqual(['w1', 'w3'])
      await jobs.forgetWorker('w3', at(30))
      expect((await jobs.listWorkers(at(0))).map((worker) => worker.id)).toEqual(['w1'])
    })
  })
}
