import { DependencyError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type {
  ConsumeOptions,
  JobConsumer,
  JobHandler,
  JobOutcome,
  JobQueue,
} from '../../ports/job-queue.js'
import type { JobClaim, JobStore, JobView } from '../../ports/job-store.js'
import type { Logger } from '../../ports/logger.js'

/** An idle consumer looks for a ready job this often (an `add` in this process wakes it sooner). */
const POLL_MS = 250
/** A handler that threw (a bug, or the database down) runs its job again after this long. */
const THROWN_RETRY_MS = 1000
/** Errors are logged at most this often (a database outage would log at every poll). */
const ERROR_LOG_INTERVAL_MS = 60_000

export interface DatabaseJobQueueOptions {
  /** The jobs table: `claimNext` is the queue's pick. */
  store: JobStore
  clock: Clock
  /** JOB_STALL_MS: a claim's lease; a job whose lease ran out goes back to the queue. */
  stallMs: number
  logger: Logger
  /** How often an idle consumer polls, in milliseconds (default 250). */
  pollMs?: number
  /** A cheap round trip to the database, for `ping` (default: counting the jobs by state). */
  probe?: () => Promise<unknown>
}

/**
 * The job queue when there is no Redis: the jobs table itself. The job service has stored a job
 * as queued (with the time it may run) before `add`, and writes its state after each run, so this
 * queue only picks: each consumer claims the oldest ready job when it has a free slot, renews the
 * leases of the jobs it runs, and puts back in the queue the jobs whose lease expired (their
 * worker died). Consumers in other processes find new jobs by polling.
 */
export class DatabaseJobQueue implements JobQueue {
  readonly backend = 'database'
  private readonly consumers = new Set<DatabaseConsumer>()
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(private readonly options: DatabaseJobQueueOptions) {}

  async add(_id: string, options: { delayMs?: number } = {}): Promise<void> {
    const delayMs = options.delayMs ?? 0
    if (delayMs > 0) this.wakeAfter(delayMs)
    else this.wake()
  }

  /** The job service cancels a queued job in the database; nothing is held here. */
  async remove(): Promise<boolean> {
    return true
  }

  consume(handler: JobHandler, options: ConsumeOptions): JobConsumer {
    const consumer = new DatabaseConsumer(handler, options, this.options, (delayMs) =>
      this.wakeAfter(delayMs),
    )
    this.consumers.add(consumer)
    consumer.onClosed = () => this.consumers.delete(consumer)
    consumer.start()
    return consumer
  }

  async ping(): Promise<number> {
    const started = performance.now()
    try {
      await (this.options.probe ? this.options.probe() : this.options.store.counts())
    } catch (error) {
      throw new DependencyError(
        `Job queue (database) unavailable: ${(error as Error).message}`,
        error,
      )
    }
    return Math.round((performance.now() - started) * 100) / 100
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await Promise.all([...this.consumers].map((consumer) => consumer.close()))
  }

  private wake(): void {
    for (const consumer of this.consumers) consumer.wake()
  }

  private wakeAfter(delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.wake()
    }, delayMs)
    timer.unref()
    this.timers.add(timer)
  }
}

/** One consumer: a pick loop filling up to `concurrency` slots. */
class DatabaseConsumer implements JobConsumer {
  private readonly runs = new Set<Promise<void>>()
  private closed = false
  private picking = false
  private again = false
  private pollTimer: NodeJS.Timeout | null = null
  private leaseTimer: NodeJS.Timeout | null = null
  private lastSweep = 0
  private lastLogged = 0
  onClosed: () => void = () => {}

  constructor(
    private readonly handler: JobHandler,
    private readonly consume: ConsumeOptions,
    private readonly options: DatabaseJobQueueOptions,
    private readonly wakeAfter: (delayMs: number) => void,
  ) {}

  get running(): number {
    return this.runs.size
  }

  start(): void {
    // A live consumer keeps its claims: leases are renewed at a third of their length.
    const renewEvery = Math.max(50, Math.floor(this.options.stallMs / 3))
    this.leaseTimer = setInterval(() => void this.renewLeases(), renewEvery)
    this.leaseTimer.unref()
    this.wake()
  }

  /** Looks for work now (a job was added, a retry's delay is up, a slot freed). */
  wake(): void {
    if (this.closed) return
    if (this.picking) {
      this.again = true
      return
    }
    void this.pick()
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      if (this.pollTimer) clearTimeout(this.pollTimer)
      if (this.leaseTimer) clearInterval(this.leaseTimer)
    }
    while (this.runs.size > 0 || this.picking) {
      await Promise.race([...this.runs, sleep(10)])
    }
    this.onClosed()
  }

  private async pick(): Promise<void> {
    this.picking = true
    if (this.pollTimer) clearTimeout(this.pollTimer)
    this.pollTimer = null
    try {
      do {
        this.again = false
        await this.sweepExpired()
        while (!this.closed && this.runs.size < this.consume.concurrency) {
          const view = await this.options.store.claimNext(this.claim())
          if (!view) break
          this.run(view)
        }
      } while (this.again && !this.closed)
    } catch (error) {
      this.logError('job queue: claiming a job failed', error)
    } finally {
      this.picking = false
    }
    if (!this.closed) {
      this.pollTimer = setTimeout(() => this.wake(), this.options.pollMs ?? POLL_MS)
      this.pollTimer.unref()
    }
  }

  private run(view: JobView): void {
    const run = (async () => {
      let outcome: JobOutcome
      try {
        outcome = await this.handler(view.record.id, view)
      } catch (error) {
        // The job service never throws on purpose: this is a bug or its database down. The job
        // must not be lost, so it goes back to the queue for another run shortly (or, when even
        // that fails, once its lease expires).
        this.logError('job handler threw; the job runs again in 1 s', error)
        outcome = { kind: 'retry', delayMs: THROWN_RETRY_MS }
        await this.requeue(view.record.id, THROWN_RETRY_MS)
      }
      if (outcome.kind === 'retry') this.wakeAfter(Math.max(0, outcome.delayMs))
    })()
    this.runs.add(run)
    void run.finally(() => {
      this.runs.delete(run)
      this.wake()
    })
  }

  private async requeue(id: string, delayMs: number): Promise<void> {
    const now = this.options.clock.now()
    try {
      await this.options.store.requeue(id, {
        from: 'running',
        workerId: this.consume.workerId,
        now: new Date(now).toISOString(),
        availableAt: new Date(now + delayMs).toISOString(),
      })
    } catch (error) {
      this.logError('job queue: putting a job back failed', error)
    }
  }

  private async renewLeases(): Promise<void> {
    if (this.runs.size === 0) return
    try {
      await this.options.store.renewLeases(this.consume.workerId, this.claim().leaseUntil)
    } catch (error) {
      this.logError('job queue: renewing leases failed', error)
    }
  }

  /**
   * Puts back the jobs of dead workers, four times per lease length (at most every 5 s: a stall
   * found a few seconds late costs nothing, a query at every poll would).
   */
  private async sweepExpired(): Promise<void> {
    const now = this.options.clock.now()
    if (now - this.lastSweep < Math.min(5000, this.options.stallMs / 4)) return
    this.lastSweep = now
    await this.options.store.requeueExpired(new Date(now).toISOString())
  }

  private claim(): JobClaim {
    const now = this.options.clock.now()
    return {
      workerId: this.consume.workerId,
      now: new Date(now).toISOString(),
      leaseUntil: new Date(now + this.options.stallMs).toISOString(),
    }
  }

  private logError(message: string, error: unknown): void {
    if (Date.now() - this.lastLogged < ERROR_LOG_INTERVAL_MS) return
    this.lastLogged = Date.now()
    this.options.logger.warn({ detail: (error as Error).message }, message)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
