import type { Clock } from '../../ports/clock.js'
import type { JobStore } from '../../ports/job-store.js'
import type { Logger } from '../../ports/logger.js'
import { workerBeatMs } from './maintenance.js'

/** How often a busy worker renews its leases and looks for cancel requests. */
const RENEW_MS = 500

export interface PresenceSettings {
  workerId: string
  host: { name: string; pid: number }
  concurrency: number
  stallMs: number
}

/**
 * What a worker tells the others while it lives: a heart-beat in the worker registry (health
 * lists it), and, while it runs jobs, their leases renewed so that no other worker takes them
 * over, with the cancel requests for them read on the way.
 */
export class WorkerPresence {
  private readonly timers: NodeJS.Timeout[] = []
  private startedAt = ''
  private renewing = false

  constructor(
    private readonly jobs: JobStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: PresenceSettings,
    /** How many jobs the worker runs now. */
    private readonly running: () => number,
    /** Stops a job whose cancel was asked for elsewhere. */
    private readonly cancel: (id: string) => void,
  ) {}

  start(): void {
    this.startedAt = new Date(this.clock.now()).toISOString()
    void this.beat()
    this.timers.push(
      setInterval(() => void this.beat(), workerBeatMs(this.settings.stallMs)),
      setInterval(() => void this.renew(), RENEW_MS),
    )
    for (const timer of this.timers) timer.unref()
  }

  /** Until when a claim made now holds, ISO-8601. */
  leaseUntil(now: number): string {
    return new Date(now + this.settings.stallMs).toISOString()
  }

  /** Stops beating and removes the worker's entry, with any stale ones of dead workers. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer)
    const stale = new Date(this.clock.now() - 3 * workerBeatMs(this.settings.stallMs))
    await this.jobs.forgetWorker(this.settings.workerId, stale.toISOString()).catch(() => {})
  }

  private async beat(): Promise<void> {
    const { workerId, host, concurrency } = this.settings
    await this.jobs
      .workerBeat(
        { id: workerId, host: host.name, pid: host.pid, concurrency, startedAt: this.startedAt },
        new Date(this.clock.now()).toISOString(),
      )
      .catch((error: unknown) =>
        this.logger.warn({ detail: (error as Error).message }, 'worker heart-beat failed'),
      )
  }

  private async renew(): Promise<void> {
    if (this.running() === 0 || this.renewing) return
    this.renewing = true
    try {
      const until = this.leaseUntil(this.clock.now())
      for (const id of await this.jobs.renewLeases(this.settings.workerId, until)) this.cancel(id)
    } catch (error) {
      this.logger.warn({ detail: (error as Error).message }, 'could not renew job leases')
    } finally {
      this.renewing = false
    }
  }
}
