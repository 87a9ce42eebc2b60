import type { GenerationRecord, StoredError } from '../../src/ports/generation-store.js'
import type {
  JobClaim,
  JobCounts,
  JobEntry,
  JobFinish,
  JobStore,
  JobView,
} from '../../src/ports/job-store.js'

/**
 * The part of a JobStore the database queue uses, in memory, for its contract until the SQLite
 * one is there. Times are ISO-8601 strings compared as text, as the real stores do.
 */
export class FakeJobStore implements JobStore {
  private readonly jobs = new Map<string, JobView>()

  /** Stores a queued job ready at `availableAt`. */
  enqueue(id: string, now: string, availableAt: string): void {
    const record = {
      id,
      createdAt: now,
      updatedAt: now,
      status: 'queued',
      programmingLanguage: 'python',
      provider: null,
      model: null,
      request: {},
      result: null,
      attempts: [],
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0, llmCalls: 0 },
      durationMs: null,
      error: null,
      idempotencyKey: null,
      requestHash: null,
      instanceId: null,
    } satisfies GenerationRecord
    const job: JobEntry = {
      id,
      callbackUrl: null,
      attempts: 0,
      stage: null,
      queuedAt: now,
      availableAt,
      startedAt: null,
      finishedAt: null,
      workerId: null,
      leaseUntil: null,
      cancelRequested: false,
    }
    this.jobs.set(id, { record, job })
  }

  async create(record: GenerationRecord, job: JobEntry): Promise<void> {
    this.jobs.set(record.id, { record: { ...record }, job: { ...job } })
  }

  async get(id: string): Promise<JobView | null> {
    const view = this.jobs.get(id)
    return view ? structuredClone(view) : null
  }

  async counts(): Promise<JobCounts> {
    const views = [...this.jobs.values()]
    return {
      waiting: views.filter((view) => view.record.status === 'queued').length,
      active: views.filter((view) => view.record.status === 'running').length,
      failed: views.filter((view) => view.record.status === 'failed').length,
    }
  }

  async start(id: string, claim: JobClaim): Promise<JobView | null> {
    const view = this.jobs.get(id)
    if (!view) return null
    const { record, job } = view
    const startable =
      record.status === 'queued' ||
      (record.status === 'running' &&
        (job.workerId === claim.workerId || (job.leaseUntil ?? '') < claim.now))
    if (!startable) return null
    record.status = 'running'
    record.updatedAt = claim.now
    job.attempts += 1
    job.startedAt = claim.now
    job.workerId = claim.workerId
    job.leaseUntil = claim.leaseUntil
    job.stage = null
    job.cancelRequested = false
    return structuredClone(view)
  }

  async claimNext(claim: JobClaim): Promise<JobView | null> {
    const ready = [...this.jobs.values()]
      .filter((view) => view.record.status === 'queued' && view.job.availableAt <= claim.now)
      .sort(
        (a, b) => a.job.queuedAt.localeCompare(b.job.queuedAt) || a.job.id.localeCompare(b.job.id),
      )
    return ready[0] ? this.start(ready[0].job.id, claim) : null
  }

  async finish(id: string, workerId: string, finish: JobFinish): Promise<boolean> {
    const view = this.jobs.get(id)
    if (!view || view.record.status !== 'running' || view.job.workerId !== workerId) return false
    view.record.status = finish.status
    if (finish.error) view.record.error = finish.error
    view.job.finishedAt = finish.now
    view.job.workerId = null
    view.job.leaseUntil = null
    return true
  }

  async requeue(
    id: string,
    requeue: { now: string; availableAt: string } & (
      { from: 'running'; workerId: string } | { from: 'finished' }
    ),
  ): Promise<boolean> {
    const view = this.jobs.get(id)
    if (!view) return false
    if (requeue.from === 'running') {
      if (view.record.status !== 'running' || view.job.workerId !== requeue.workerId) return false
    } else if (view.record.status !== 'failed' && view.record.status !== 'cancelled') {
      return false
    }
    view.record.status = 'queued'
    view.job.queuedAt = requeue.now
    view.job.availableAt = requeue.availableAt
    view.job.workerId = null
    view.job.leaseUntil = null
    return true
  }

  async cancelQueued(id: string, now: string, error: StoredError): Promise<boolean> {
    const view = this.jobs.get(id)
    if (!view || view.record.status !== 'queued') return false
    view.record.status = 'cancelled'
    view.record.error = error
    view.job.finishedAt = now
    return true
  }

  async renewLeases(workerId: string, leaseUntil: string): Promise<string[]> {
    const cancelled: string[] = []
    for (const { record, job } of this.jobs.values()) {
      if (record.status !== 'running' || job.workerId !== workerId) continue
      job.leaseUntil = leaseUntil
      if (job.cancelRequested) cancelled.push(job.id)
    }
    return cancelled
  }

  async requeueExpired(now: string): Promise<string[]> {
    const ids: string[] = []
    for (const { record, job } of this.jobs.values()) {
      if (record.status !== 'running' || (job.leaseUntil ?? '') >= now) continue
      record.status = 'queued'
      job.queuedAt = now
      job.availableAt = now
      job.workerId = null
      job.leaseUntil = null
      ids.push(job.id)
    }
    return ids
  }

  list(): never {
    throw new Error('not in the fake')
  }
  position(): never {
    throw new Error('not in the fake')
  }
  setStage(): never {
    throw new Error('not in the fake')
  }
  requestCancel(): never {
    throw new Error('not in the fake')
  }
  purgeFinished(): never {
    throw new Error('not in the fake')
  }
  appendEvents(): never {
    throw new Error('not in the fake')
  }
  readEvents(): never {
    throw new Error('not in the fake')
  }
  workerBeat(): never {
    throw new Error('not in the fake')
  }
  listWorkers(): never {
    throw new Error('not in the fake')
  }
  forgetWorker(): never {
    throw new Error('not in the fake')
  }
}
