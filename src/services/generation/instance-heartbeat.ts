import { randomUUID } from 'node:crypto'
import type { Clock } from '../../ports/clock.js'
import type { GenerationStore, StoredError } from '../../ports/generation-store.js'
import type { HostProcesses } from '../../ports/host-processes.js'
import type { Logger } from '../../ports/logger.js'

/** Beats a process may miss before its peers count it as gone. */
export const MISSED_BEATS = 3

/** The `error` of an interrupted record; a replay answers with it. */
export const INTERRUPTED_ERROR = {
  code: 'APP_ERR_GENERATION_INTERRUPTED',
  detail:
    'The API process running this generation stopped before it finished; send the request again (with the same Idempotency-Key, it runs again)',
} as const satisfies StoredError

/** Instances started in this Node process (tests run several apps in one). */
const startedHere = new Set<string>()

/**
 * This API process's identity in the shared history, and the recovery of what dead processes
 * left `running`. The process beats every `intervalMs`; at start-up and at every beat it marks
 * `interrupted` the running generations of processes that have missed `MISSED_BEATS` beats, or
 * that ran on this host (in this PID namespace) and whose process id is gone, so that a restart
 * after a crash needs no wait.
 */
export class InstanceHeartbeat {
  readonly id = randomUUID()
  private timer: NodeJS.Timeout | undefined
  private beating: Promise<void> | null = null

  constructor(
    private readonly store: GenerationStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly processes: HostProcesses,
  ) {}

  /**
   * The first beat and sweep, before the process takes requests; then one every interval. A
   * database that is down does not stop the start (health reports it): the next beat recovers.
   */
  async start(): Promise<void> {
    startedHere.add(this.id)
    this.tick()
    await this.beating
    this.timer = setInterval(() => this.tick(), this.intervalMs)
    this.timer.unref()
  }

  /** Stops beating and removes this process's entry, so that no peer waits for it. */
  async stop(): Promise<void> {
    startedHere.delete(this.id)
    clearInterval(this.timer)
    await this.beating
    await this.store
      .forgetInstance(this.id)
      .catch((error: unknown) =>
        this.logger.warn(
          { detail: (error as Error).message },
          'could not remove the instance entry',
        ),
      )
  }

  /** Marks the orphans of dead processes `interrupted`; answers their ids. */
  async sweep(): Promise<string[]> {
    const now = this.clock.now()
    for (const instance of await this.store.listInstances()) {
      if (instance.id === this.id || instance.host !== this.processes.space) continue
      // Our own process id under another instance id: a process that had this id before us,
      // unless this Node process runs that instance too.
      const gone =
        instance.pid === this.processes.pid
          ? !startedHere.has(instance.id)
          : !this.processes.alive(instance.pid)
      if (gone) {
        await this.store.forgetInstance(instance.id)
      }
    }
    const marked = await this.store.interruptOrphans({
      self: this.id,
      staleBefore: new Date(now - MISSED_BEATS * this.intervalMs).toISOString(),
      now: new Date(now).toISOString(),
      error: INTERRUPTED_ERROR,
    })
    if (marked.length > 0) {
      this.logger.warn(
        { count: marked.length, generation_ids: marked.slice(0, 20) },
        'generations of a stopped process marked interrupted',
      )
    }
    return marked
  }

  private beat(): Promise<void> {
    return this.store.heartbeat(
      { id: this.id, host: this.processes.space, pid: this.processes.pid },
      new Date(this.clock.now()).toISOString(),
    )
  }

  private tick(): void {
    if (this.beating) return
    this.beating = (async () => {
      try {
        await this.beat()
        await this.sweep()
      } catch (error) {
        // The database is down: the health report says so; the next beat tries again.
        this.logger.warn({ detail: (error as Error).message }, 'instance heart-beat failed')
      } finally {
        this.beating = null
      }
    })()
  }
}
