import { AppError, NotFoundError, toAppError, toErrorBody } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type { ComponentStatus } from '../../ports/component-status.js'
import {
  IdempotencyKeyTaken,
  type GenerationRecord,
  type GenerationStore,
} from '../../ports/generation-store.js'
import type { JobQueue } from '../../ports/job-queue.js'
import type { JobEntry, JobPage, JobQuery, JobStore, JobView } from '../../ports/job-store.js'
import type { Logger } from '../../ports/logger.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import type { PublishedEvent } from '../generation/event-hub.js'
import type { GenerationJob } from '../generation/generation-job.js'
import { isIssuedId, printable } from '../generation/generation-history.js'
import type { GenerationService } from '../generation/generation-service.js'
import { newGenerationRecord } from '../generation/new-record.js'
import { storedError } from '../generation/stored-error.js'
import type { GenerationInput } from '../generation/types.js'
import { finalEvent, jobStatus } from './job-body.js'
import { followJobEvents, JobEventWriter, type JobEventSignals } from './job-events.js'
import { JobMaintenance, queueHealth } from './maintenance.js'

/** How long a cancel request waits for a running job to record that it stopped. */
const CANCEL_PATIENCE_MS = 5000
/** How often a follower reads the events of a job running in another process. */
const FOLLOW_POLL_MS = 200

export interface JobSettings {
  /** Runs of one job at most (`JOB_ATTEMPTS`). */
  attempts: number
  /** `JOB_STALL_MS`. */
  stallMs: number
  /** Jobs waiting at most (`JOB_QUEUE_MAX`). */
  queueMax: number
  /** `JOB_RETENTION_HOURS`. */
  retentionHours: number
}

/** A job just queued (or found again by its Idempotency-Key), and its place in the queue. */
export interface Queued {
  view: JobView
  position: number | null
}

export interface JobServiceDependencies {
  store: GenerationStore
  queue: JobQueue
  generation: GenerationService
  /** Checks a client's `callback_url` (allowed hosts) and answers it normalised. */
  checkCallbackUrl: (url: string) => string
  signals: JobEventSignals
  clock: Clock
  logger: Logger
  metrics: MetricsRecorder
  settings: JobSettings
  /** The provider this process would name on a record it queues. */
  provider: string | null
  /** Stops a job when the worker inside this process runs it; false when it does not. */
  cancelHere?: (id: string) => boolean
}

/**
 * The jobs as the API sees them: queue one, read, list, cancel, retry and follow them. Workers,
 * in this process or others, run them (`JobWorker`).
 */
export class JobService {
  private readonly jobs: JobStore
  private readonly maintenance: JobMaintenance

  constructor(private readonly deps: JobServiceDependencies) {
    this.jobs = deps.store.jobs
    this.maintenance = new JobMaintenance(this.jobs, deps.queue, deps)
  }

  /** Starts the sweeps every process runs: stalled jobs back to the queue, old jobs purged. */
  start(): void {
    this.maintenance.start()
  }

  stop(): void {
    this.maintenance.stop()
  }

  /**
   * Queues a generation request as a job, and answers it with its place in the queue. A repeated
   * `Idempotency-Key` answers the job queued with it first.
   */
  async submit(
    input: GenerationInput,
    options: { idempotencyKey?: string; callbackUrl?: string; owner?: string | null } = {},
  ): Promise<Queued> {
    const callbackUrl = options.callbackUrl ? this.deps.checkCallbackUrl(options.callbackUrl) : null
    const job = this.deps.generation.prepare(input, options.idempotencyKey, options.owner ?? null)
    try {
      return await this.enqueue(job, callbackUrl)
    } catch (error) {
      if (!(error instanceof IdempotencyKeyTaken)) throw error
      const first = await this.deps.store.findByIdempotencyKey(error.key)
      const view = first && (await this.jobs.get(first.id))
      // A generation run directly holds the key: the same key cannot also name a job.
      if (!view || view.record.requestHash !== job.requestHash) {
        throw new AppError(
          'APP_ERR_IDEMPOTENCY_MISMATCH',
          `Idempotency-Key '${error.key}' was already used for a different request; use a new key for each distinct request`,
        )
      }
      return { view, position: await this.position(view) }
    }
  }

  /**
   * Stores a prepared generation as a queued job and hands it to the queue. Its place is counted
   * before it is stored (it is last), not looked up after: that lookup grows with the queue.
   */
  async enqueue(job: GenerationJob, callbackUrl: string | null): Promise<Queued> {
    const { settings } = this.deps
    const { waiting } = await this.jobs.counts()
    if (waiting >= settings.queueMax) {
      throw new AppError(
        'APP_ERR_QUEUE_FULL',
        `${waiting} jobs are waiting, the most the queue takes (JOB_QUEUE_MAX); retry later`,
        { retryable: true, headers: { 'retry-after': '30' } },
      )
    }
    const now = this.deps.clock.now()
    const record = newGenerationRecord(job, {
      status: 'queued',
      provider: this.deps.provider,
      instanceId: null,
      now,
    })
    const entry: JobEntry = {
      id: record.id,
      callbackUrl,
      attempts: 0,
      stage: null,
      queuedAt: record.createdAt,
      availableAt: record.createdAt,
      startedAt: null,
      finishedAt: null,
      workerId: null,
      leaseUntil: null,
      cancelRequested: false,
    }
    await this.jobs.create(record, entry)
    try {
      await this.deps.queue.add(record.id)
    } catch (error) {
      // Not in the queue, so no worker would ever take it: it ends here, saying why.
      await this.jobs
        .cancelQueued(record.id, new Date(this.deps.clock.now()).toISOString(), {
          ...storedError(toAppError(error)),
        })
        .catch(() => {})
      throw error
    }
    return { view: { record, job: entry }, position: waiting + 1 }
  }

  /** @throws NotFoundError for an id that is no job. */
  async get(id: string): Promise<JobView> {
    const view = await this.find(id)
    if (!view) throw new NotFoundError('Job', printable(id))
    return view
  }

  /** The job, or null when `id` is no job (a generation run directly, or nothing). */
  async find(id: string): Promise<JobView | null> {
    return isIssuedId(id) ? this.jobs.get(id) : null
  }

  /**
   * Deletes a generation from the history; a job still waiting or running is cancelled first,
   * so that no worker goes on paying for it.
   */
  async deleteGeneration(id: string): Promise<void> {
    const view = await this.find(id)
    if (view && (view.record.status === 'queued' || view.record.status === 'running')) {
      await this.cancel(id).catch(() => {})
    }
    await this.deps.generation.delete(id)
  }

  /**
   * Cancels a generation, whether it runs as a job or directly (`POST /api/generations/{id}/cancel`
   * and the WebSocket's `cancel` take either).
   */
  async cancelGeneration(id: string): Promise<GenerationRecord> {
    if (!(await this.find(id))) return this.deps.generation.cancel(id)
    return (await this.cancel(id)).record
  }

  list(query: JobQuery): Promise<JobPage> {
    return this.jobs.list(query)
  }

  /** The job's place in the queue (1 = next), or null when it is not queued. */
  position(view: JobView): Promise<number | null> {
    return view.record.status === 'queued'
      ? this.jobs.position(view.record.id)
      : Promise.resolve(null)
  }

  /**
   * Cancels a job: a queued one leaves the queue at once; a running one is stopped by its worker
   * (asked through the database when it runs elsewhere), waited for a few seconds.
   * @throws AppError `APP_ERR_GENERATION_FINISHED` when it has finished.
   */
  async cancel(id: string): Promise<JobView> {
    let view = await this.get(id)
    const now = () => new Date(this.deps.clock.now()).toISOString()
    if (view.record.status === 'queued') {
      const error = {
        code: 'APP_ERR_GENERATION_CANCELLED',
        detail: `Job '${id}' was cancelled before it started`,
      }
      if (await this.jobs.cancelQueued(id, now(), error)) {
        await this.deps.queue.remove(id).catch(() => false)
        // Followers learn it from the log, as from a run.
        const writer = new JobEventWriter(
          this.jobs,
          this.deps.signals,
          this.deps.logger,
          id,
          view.job.attempts + 1,
        )
        writer.push(finalEvent(await this.get(id)) as PublishedEvent)
        await writer.flush()
        return this.get(id)
      }
      view = await this.get(id) // it started meanwhile
    }
    if (view.record.status !== 'running') {
      throw new AppError(
        'APP_ERR_GENERATION_FINISHED',
        `Job '${id}' already finished (${jobStatus(view.record.status)})`,
      )
    }
    if (!this.deps.cancelHere?.(id)) await this.jobs.requestCancel(id)
    const deadline = Date.now() + CANCEL_PATIENCE_MS
    while (view.record.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      view = await this.get(id)
    }
    return view
  }

  /**
   * Queues a failed or cancelled job again, with its attempts counted from zero.
   * @throws AppError `APP_ERR_JOB_NOT_RETRYABLE` for a job in any other state.
   */
  async retry(id: string): Promise<JobView> {
    const view = await this.get(id)
    const status = jobStatus(view.record.status)
    const now = new Date(this.deps.clock.now()).toISOString()
    if (
      (status !== 'failed' && status !== 'cancelled') ||
      !(await this.jobs.requeue(id, { from: 'finished', now, availableAt: now }))
    ) {
      throw new AppError(
        'APP_ERR_JOB_NOT_RETRYABLE',
        `Job '${id}' is ${status}; only a failed or cancelled job can be retried`,
      )
    }
    await this.deps.queue.add(id)
    return this.get(id)
  }

  /**
   * Passes a job's events to `listener`, from the first, until its last; a generation that is no
   * job is followed as `GenerationService.watch` does.
   */
  async watch(
    id: string,
    listener: (event: PublishedEvent) => void,
    requestId?: string,
  ): Promise<() => void> {
    const view = await this.find(id)
    if (!view) return this.deps.generation.watch(id, listener, requestId)
    return followJobEvents(this.jobs, this.deps.signals, id, listener, {
      pollMs: FOLLOW_POLL_MS,
      settled: async () => {
        const current = await this.jobs.get(id)
        if (current) return finalEvent(current)
        // Deleted while followed: nothing more will come.
        return { type: 'error', data: toErrorBody(new NotFoundError('Job', id), requestId ?? id) }
      },
    })
  }

  /** `services.queue` of the health report. */
  health(): Promise<ComponentStatus> {
    return queueHealth(this.deps.queue, this.jobs, this.deps.clock, this.deps.settings.stallMs)
  }
}
