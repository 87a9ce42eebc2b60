import type { Clock } from '../../ports/clock.js'
import type { ComponentStatus } from '../../ports/component-status.js'
import type { JobQueue } from '../../ports/job-queue.js'
import type { JobStore } from '../../ports/job-store.js'
import type { Logger } from '../../ports/logger.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'

/** How often a worker says it is alive: a third of the stall time, at most every 5 s. */
export function workerBeatMs(stallMs: number): number {
  return Math.min(5000, Math.max(250, Math.floor(stallMs / 3)))
}

/** How often finished jobs past their retention are deleted. */
const PURGE_EVERY_MS = 3_600_000
/**
 * How often jobs waiting long past their time are added to the queue again, and how many at
 * most: adding a job the queue holds changes nothing, and one it lost (Redis restarted without
 * persistence) is back.
 */
const REVIVE_EVERY_MS = 5000
const REVIVE_BATCH = 500

/**
 * The sweeps every process with jobs runs; each is one idempotent statement, so several
 * processes running them at once do no harm. A running job whose worker stopped renewing its
 * lease goes back to the queue (and, with BullMQ, is added again in case Redis lost it); the
 * number waiting feeds the metric; finished jobs past `JOB_RETENTION_HOURS` are deleted.
 */
export class JobMaintenance {
  private timer: NodeJS.Timeout | undefined
  private lastPurge = 0
  private lastRevive = 0
  private sweeping = false

  constructor(
    private readonly jobs: JobStore,
    private readonly queue: JobQueue,
    private readonly deps: {
      clock: Clock
      logger: Logger
      metrics: MetricsRecorder
      settings: { stallMs: number; retentionHours: number }
    },
  ) {}

  start(): void {
    const every = Math.min(5000, Math.max(200, Math.floor(this.deps.settings.stallMs / 4)))
    this.timer = setInterval(() => void this.sweep(), every)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  /** One round of every sweep; answers the ids put back in the queue. */
  async sweep(): Promise<string[]> {
    if (this.sweeping) return []
    this.sweeping = true
    const { clock, logger, metrics, settings } = this.deps
    try {
      const now = clock.now()
      const stalled = await this.jobs.requeueExpired(new Date(now).toISOString())
      if (stalled.length > 0) {
        metrics.jobsStalled(stalled.length)
        logger.warn(
          { count: stalled.length, job_ids: stalled.slice(0, 20) },
          'jobs whose worker stopped answering went back to the queue',
        )
        for (const id of stalled) await this.queue.add(id)
      }
      metrics.jobsWaiting((await this.jobs.counts()).waiting)
      if (now - this.lastRevive >= Math.max(REVIVE_EVERY_MS, settings.stallMs)) {
        this.lastRevive = now
        const before = new Date(now - Math.max(REVIVE_EVERY_MS, settings.stallMs)).toISOString()
        for (const id of await this.jobs.overdue(before, REVIVE_BATCH)) await this.queue.add(id)
      }
      if (now - this.lastPurge >= PURGE_EVERY_MS) {
        this.lastPurge = now
        const before = new Date(now - settings.retentionHours * 3_600_000).toISOString()
        const purged = await this.jobs.purgeFinished(before)
        if (purged > 0) logger.info({ count: purged }, 'finished jobs past their retention deleted')
      }
      return stalled
    } catch (error) {
      // The database or Redis is away: the next round tries again.
      logger.warn({ detail: (error as Error).message }, 'job maintenance failed')
      return []
    } finally {
      this.sweeping = false
    }
  }
}

/**
 * `services.queue` of the health report: the backend's round trip, the jobs by state, and the
 * workers seen in their last three beats. Degraded when jobs wait and no worker is there.
 */
export async function queueHealth(
  queue: JobQueue,
  jobs: JobStore,
  clock: Clock,
  stallMs: number,
): Promise<ComponentStatus> {
  const since = new Date(clock.now() - 3 * workerBeatMs(stallMs)).toISOString()
  const [latency, counts, workers] = await Promise.all([
    queue.ping(),
    jobs.counts(),
    jobs.listWorkers(since),
  ])
  const idle = workers.length === 0 && counts.waiting > 0
  return {
    status: idle ? 'degraded' : 'ok',
    backend: queue.backend,
    ...(idle
      ? { detail: 'No worker has been seen; queued jobs wait (start `verigen worker`)' }
      : {}),
    latency_ms: latency,
    ...counts,
    workers: workers.map((worker) => ({
      id: worker.id,
      host: worker.host,
      pid: worker.pid,
      concurrency: worker.concurrency,
      last_seen: worker.lastSeen,
    })),
  }
}
