import { AppError, toErrorBody } from '../../errors.js'
import type { GenerationBus, GenerationOwner } from '../../ports/generation-bus.js'
import type { GenerationRecord } from '../../ports/generation-store.js'
import { GenerationEventHub, type PublishedEvent } from './event-hub.js'
import type { GenerationHistory } from './generation-history.js'
import type { InstanceHeartbeat } from './instance-heartbeat.js'
import { replayedError } from './stored-error.js'
import type { GenerationResult } from './types.js'

/** How long a cancel request waits for the generation to record that it stopped. */
const CANCEL_PATIENCE_MS = 5000

/** A generation running here, as its run sees it: where its events go, and how it ends. */
export interface RunHandle {
  /** Passes an event to this process's watchers and, over the bus, to other processes'. */
  publish(event: PublishedEvent): void
  /** The run is over (its outcome is in the history). */
  end(): void
}

/**
 * The generations running in this process, and reaching those running in another: stopping
 * them (`cancel`), following their events (`watch`), and answering other processes' requests
 * for ours (`owner`, served over the bus).
 */
export class RunningGenerations {
  /** Events of the generations running here, for streams and subscribers. */
  private readonly events = new GenerationEventHub()
  /** How to stop each generation running here, and when it has stopped. */
  private readonly runs = new Map<string, { controller: AbortController; done: Promise<void> }>()

  constructor(
    private readonly history: GenerationHistory,
    private readonly instance: InstanceHeartbeat,
    private readonly bus: GenerationBus<PublishedEvent> | null,
  ) {}

  begin(id: string, controller: AbortController): RunHandle {
    let settled: () => void = () => {}
    const done = new Promise<void>((resolve) => (settled = resolve))
    this.runs.set(id, { controller, done })
    this.events.open(id)
    return {
      publish: (event) => {
        this.events.publish(id, event)
        this.bus?.relay(id, event, event.type === 'completed' || event.type === 'error')
      },
      end: () => {
        this.runs.delete(id)
        this.events.close(id)
        settled()
      },
    }
  }

  /**
   * Stops a generation and waits (briefly) until its history says so; one running in another
   * process is asked over the bus.
   * @throws NotFoundError for an unknown id; AppError `APP_ERR_GENERATION_FINISHED` when it is
   *   over, or no process answered for it.
   */
  async cancel(id: string): Promise<GenerationRecord> {
    const running = this.runs.get(id)
    if (running) {
      this.cancelHere(id)
      let timer: NodeJS.Timeout | undefined
      const patience = new Promise((resolve) => (timer = setTimeout(resolve, CANCEL_PATIENCE_MS)))
      await Promise.race([running.done, patience])
      clearTimeout(timer)
      return this.history.get(id)
    }
    let record = await this.orphanChecked(await this.history.get(id))
    const { bus } = this
    if (record.status === 'running' && bus) {
      // Another API process runs it: ask it, then read the outcome from the shared history.
      await bus.requestCancel(id)
      const deadline = Date.now() + CANCEL_PATIENCE_MS
      while (record.status === 'running' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        record = await this.history.get(id)
      }
      if (record.status === 'cancelled') return record
    }
    throw new AppError(
      'APP_ERR_GENERATION_FINISHED',
      record.status === 'interrupted'
        ? `Generation '${id}' already finished (interrupted: the API process running it stopped)`
        : record.status !== 'running'
          ? `Generation '${id}' already finished (${record.status})`
          : bus
            ? `Generation '${id}' is recorded as running, but no API process answered the cancel request`
            : `Generation '${id}' runs in another API process; it cannot be cancelled from this one (set REDIS_URL to connect the processes)`,
    )
  }

  /** The process-local side of the bus: what other processes may ask of this one. */
  get owner(): GenerationOwner<PublishedEvent> {
    return {
      snapshot: (id) => this.events.snapshot(id),
      cancelHere: (id) => this.cancelHere(id),
    }
  }

  private cancelHere(id: string): boolean {
    const running = this.runs.get(id)
    running?.controller.abort(
      new AppError('APP_ERR_GENERATION_CANCELLED', `Generation '${id}' was cancelled on request`),
    )
    return running !== undefined
  }

  /**
   * Passes a generation's events to `listener`: those so far, then new ones until `completed` or
   * `error`. A generation that finished before is told from the history in one final event.
   * @throws NotFoundError for an unknown id.
   */
  async watch(
    id: string,
    listener: (event: PublishedEvent) => void,
    requestId = id,
  ): Promise<() => void> {
    const unsubscribe = this.events.subscribe(id, listener)
    if (unsubscribe) return unsubscribe
    let record = await this.history.get(id)
    if (record.status === 'running' && this.bus) {
      const stop = await this.bus.watch(id, listener)
      if (stop) return stop
      // No process answered: it finished meanwhile (the history says so), or its process is gone.
      record = await this.history.get(id)
    }
    record = await this.orphanChecked(record)
    if (record.result) {
      listener({ type: 'completed', data: record.result as GenerationResult })
      return () => {}
    }
    const error =
      record.status === 'running'
        ? new AppError(
            'APP_ERR_GENERATION_FINISHED',
            this.bus
              ? `Generation '${id}' is recorded as running, but no API process answered for it`
              : `Generation '${id}' runs in another API process; subscribe there (or set REDIS_URL to connect the processes)`,
          )
        : record.status === 'cancelled'
          ? new AppError('APP_ERR_GENERATION_CANCELLED', `Generation '${id}' was cancelled`)
          : replayedError(record)
    listener({ type: 'error', data: toErrorBody(error, requestId) })
    return () => {}
  }

  /**
   * A record still `running` although no process here runs it: if its process has stopped, the
   * sweep marks it `interrupted` now rather than at the next heart-beat.
   */
  async orphanChecked(record: GenerationRecord): Promise<GenerationRecord> {
    if (record.status !== 'running' || this.runs.has(record.id)) return record
    if (!(await this.instance.sweep()).includes(record.id)) return record
    return this.history.get(record.id)
  }
}
