import { randomUUID } from 'node:crypto'
import { AppError, toAppError, toErrorBody } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type { JobConsumer, JobOutcome, JobQueue } from '../../ports/job-queue.js'
import type { JobStore, JobView } from '../../ports/job-store.js'
import type { Logger } from '../../ports/logger.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import type { PublishedEvent } from '../generation/event-hub.js'
import type { GenerationService } from '../generation/generation-service.js'
import { cancellation } from '../generation/stop.js'
import { storedError } from '../generation/stored-error.js'
import { jobBody } from './job-body.js'
import { JobEventWriter, type JobEventSignals } from './job-events.js'
import { WorkerPresence } from './worker-presence.js'

/** First retry delay after a retryable failure; each further one doubles, up to the cap. */
const RETRY_BASE_MS = 1000
const RETRY_CAP_MS = 60_000

/** The abort reason of runs stopped because the worker is stopping: they go back to the queue. */
const SHUTDOWN = new AppError(
  'APP_ERR_SHUTTING_DOWN',
  'The worker is stopping; the job goes back to the queue',
)

/** Where a run is, by the events it emits; a stage only moves forward. */
const STAGES: Partial<Record<PublishedEvent['type'], [string, number]>> = {
  started: ['code', 1],
  'tests.delta': ['tests', 2],
  'tests.done': ['tests', 2],
  'docs.delta': ['docs', 2],
  'verify.started': ['verify', 3],
  metrics: ['metrics', 4],
}

export interface WorkerSettings {
  /** Jobs run at once. */
  concurrency: number
  /** Runs of one job at most (`JOB_ATTEMPTS`). */
  attempts: number
  stallMs: number
  /** How long a stopping worker lets its runs finish before handing them back. */
  shutdownTimeoutMs: number
}

export interface JobWorkerDependencies {
  jobs: JobStore
  queue: JobQueue
  generation: GenerationService
  signals: JobEventSignals
  /** Posts a finished job to its `callback_url`; null when callbacks are off. */
  deliver: ((url: string, event: 'job.completed' | 'job.failed', body: object) => void) | null
  clock: Clock
  logger: Logger
  metrics: MetricsRecorder
  settings: WorkerSettings
  /** This process, as the health report lists it. */
  host: { name: string; pid: number }
}

/**
 * Runs jobs from the queue: each run in a fresh start of the job's record, its events to the log,
 * its outcome decided here (finished, retried after a retryable failure, or handed back when the
 * worker stops), and its callback posted. While it runs jobs, it renews their leases so that no
 * other worker takes them, and stops any whose cancel was asked for.
 */
export class JobWorker {
  readonly id = randomUUID()
  private consumer: JobConsumer | null = null
  private readonly runs = new Map<string, AbortController>()
  private readonly presence: WorkerPresence

  constructor(private readonly deps: JobWorkerDependencies) {
    const { settings } = deps
    this.presence = new WorkerPresence(
      deps.jobs,
      deps.clock,
      deps.logger,
      {
        workerId: this.id,
        host: deps.host,
        concurrency: settings.concurrency,
        stallMs: settings.stallMs,
      },
      () => this.runs.size,
      (id) => this.cancel(id),
    )
  }

  start(): void {
    const { settings } = this.deps
    this.presence.start()
    this.consumer = this.deps.queue.consume((id, started) => this.handle(id, started), {
      concurrency: settings.concurrency,
      workerId: this.id,
    })
  }

  get running(): number {
    return this.runs.size
  }

  /** Stops a job running here; false when it does not run here. */
  cancel(id: string): boolean {
    const run = this.runs.get(id)
    run?.abort(new AppError('APP_ERR_GENERATION_CANCELLED', `Job '${id}' was cancelled on request`))
    return run !== undefined
  }

  /**
   * Takes no new job, lets the running ones finish for the shutdown time, then hands the rest back
   * to the queue; resolves when every run has returned.
   */
  async stop(): Promise<void> {
    const closing = this.consumer?.close()
    // A second of the shutdown time is left for handing back and closing connections.
    const patience = Math.max(0, this.deps.settings.shutdownTimeoutMs - 1000)
    const deadline = setTimeout(() => {
      for (const run of this.runs.values()) run.abort(SHUTDOWN)
    }, patience)
    await closing
    clearTimeout(deadline)
    await this.presence.stop()
  }

  private async handle(id: string, started?: JobView): Promise<JobOutcome> {
    const { jobs, clock, settings, metrics } = this.deps
    const now = clock.now()
    const view = started ?? (await jobs.start(id, this.claim(now)))
    if (!view) return this.notStarted(id, now)
    const { job } = view
    metrics.jobStarted(Math.max(0, now - Date.parse(job.queuedAt)) / 1000)
    if (job.attempts > settings.attempts) {
      const error = new AppError(
        'APP_ERR_GENERATION_INTERRUPTED',
        `The worker running this job stopped during each of its ${job.attempts - 1} runs (JOB_ATTEMPTS); retry it with POST /api/jobs/${id}/retry`,
      )
      await this.end(view, 'failed', error, performance.now())
      return { kind: 'done' }
    }
    const controller = new AbortController()
    this.runs.set(id, controller)
    const writer = new JobEventWriter(jobs, this.deps.signals, this.deps.logger, id, job.attempts)
    const began = performance.now()
    let rank = 0
    const emit = (event: PublishedEvent) => {
      const stage = STAGES[event.type]
      if (stage && stage[1] > rank) {
        rank = stage[1]
        void jobs.setStage(id, stage[0]).catch(() => {})
      }
      // The run's last event is this worker's to write, once it knows the job's outcome.
      if (event.type !== 'completed' && event.type !== 'error') writer.push(event)
    }
    try {
      const result = await this.deps.generation.runJob(view.record, {
        emit,
        signal: controller.signal,
        requestId: id,
      })
      await writer.flush()
      const status = result.status === 'failed' ? 'failed' : 'completed'
      await this.end(view, result.status, null, began, writer, { type: 'completed', data: result })
      metrics.jobEnded(status, seconds(began))
      return { kind: 'done' }
    } catch (error) {
      await writer.flush()
      return await this.failed(view, error, controller.signal, began, writer)
    } finally {
      this.runs.delete(id)
    }
  }

  /** A run that threw: handed back, retried, or the job's end. */
  private async failed(
    view: JobView,
    error: unknown,
    signal: AbortSignal,
    began: number,
    writer: JobEventWriter,
  ): Promise<JobOutcome> {
    const { jobs, clock, settings, metrics, logger } = this.deps
    const { id } = view.record
    const now = clock.now()
    const requeue = (delayMs: number, handback = false) =>
      jobs.requeue(id, {
        from: 'running',
        workerId: this.id,
        handback,
        now: new Date(now).toISOString(),
        availableAt: new Date(now + delayMs).toISOString(),
      })
    if (signal.reason === SHUTDOWN) {
      await requeue(0, true)
      metrics.jobEnded('handed_back', seconds(began))
      return { kind: 'handback' }
    }
    const appError = signal.aborted ? cancellation(signal.reason) : toAppError(error)
    if (!signal.aborted && appError.retryable && view.job.attempts < settings.attempts) {
      const delayMs = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (view.job.attempts - 1))
      const jittered = Math.round(delayMs * (0.75 + Math.random() / 2))
      await requeue(jittered)
      metrics.jobEnded('retried', seconds(began))
      logger.info(
        { job_id: id, attempt: view.job.attempts, code: appError.code, retry_in_ms: jittered },
        'job run failed; it runs again',
      )
      return { kind: 'retry', delayMs: jittered }
    }
    const status = signal.aborted ? 'cancelled' : 'failed'
    await this.end(view, status, appError, began, writer, {
      type: 'error',
      data: toErrorBody(appError, id),
    })
    metrics.jobEnded(status, seconds(began))
    return { kind: 'done' }
  }

  /**
   * Ends the job: its status, then its last event (so that a follower reading the event finds the
   * status written), then its callback. A run that lost the job to another worker ends nothing.
   */
  private async end(
    view: JobView,
    status: 'completed' | 'partial' | 'failed' | 'cancelled',
    error: AppError | null,
    began: number,
    writer?: JobEventWriter,
    last?: PublishedEvent,
  ): Promise<void> {
    const { jobs, clock, logger } = this.deps
    const { id } = view.record
    const now = new Date(clock.now()).toISOString()
    const ended = await jobs.finish(id, this.id, {
      now,
      status,
      ...(error ? { error: storedError(error) } : {}),
    })
    if (!ended) {
      logger.warn({ job_id: id }, 'a job run ended after another worker took the job over')
      return
    }
    const events =
      writer ?? new JobEventWriter(jobs, this.deps.signals, logger, id, view.job.attempts)
    if (last) events.push(last)
    await events.flush()
    const callbackUrl = view.job.callbackUrl
    if (callbackUrl && this.deps.deliver && status !== 'cancelled') {
      const finished = await jobs.get(id)
      if (finished) {
        const event = status === 'failed' ? 'job.failed' : 'job.completed'
        this.deps.deliver(callbackUrl, event, jobBody(finished, null, id))
      }
    }
    logger.info(
      {
        job_id: id,
        status,
        attempts: view.job.attempts,
        duration_ms: Math.round(performance.now() - began),
      },
      'job finished',
    )
  }

  /** Why a handed-out job did not start: another worker's live lease (wait for it), or it is over. */
  private async notStarted(id: string, now: number): Promise<JobOutcome> {
    const current = await this.deps.jobs.get(id)
    const lease = current?.job.leaseUntil ? Date.parse(current.job.leaseUntil) : 0
    if (current?.record.status === 'running' && lease > now) {
      return { kind: 'retry', delayMs: lease - now + 100 }
    }
    return { kind: 'done' }
  }

  private claim(now: number) {
    return {
      workerId: this.id,
      now: new Date(now).toISOString(),
      leaseUntil: this.presence.leaseUntil(now),
    }
  }
}

const seconds = (began: number) => (performance.now() - began) / 1000
