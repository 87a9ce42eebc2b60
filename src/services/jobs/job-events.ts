import type { JobStore, StoredJobEvent } from '../../ports/job-store.js'
import type { Logger } from '../../ports/logger.js'
import type { PublishedEvent } from '../generation/event-hub.js'

/** How long events of a run gather before they are written: deltas arrive a few ms apart. */
const FLUSH_MS = 100
/** Sequence numbers of run N start above N × RUN_SEQ: a follower's cursor outlives a re-run. */
export const RUN_SEQ = 1_000_000_000
/** Events read at once by a follower. */
const READ_BATCH = 500

const DELTAS = new Set<string>(['code.delta', 'tests.delta', 'docs.delta'])

/** Whether an event ends its job's run for followers. */
const isFinal = (event: PublishedEvent) => event.type === 'completed' || event.type === 'error'

/**
 * Wakes the followers in this process when a writer in this process has written; followers of
 * jobs running elsewhere poll.
 */
export class JobEventSignals {
  private readonly waiting = new Map<string, Set<() => void>>()

  wake(id: string): void {
    const wakers = this.waiting.get(id)
    if (!wakers) return
    this.waiting.delete(id)
    for (const wake of wakers) wake()
  }

  /** Resolves at the next `wake(id)` or after `ms`, whichever comes first. */
  wait(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wakers = this.waiting.get(id) ?? new Set()
      const done = () => {
        clearTimeout(timer)
        wakers.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      wakers.add(done)
      this.waiting.set(id, wakers)
    })
  }
}

/**
 * Writes the events of one run of a job into the store, for followers in any process. Events
 * gathered for `FLUSH_MS` are written together, consecutive deltas of one kind joined into one; a
 * final event is written at once.
 */
export class JobEventWriter {
  private seq: number
  private buffer: PublishedEvent[] = []
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<void> = Promise.resolve()
  private warned = false

  constructor(
    private readonly store: JobStore,
    private readonly signals: JobEventSignals,
    private readonly logger: Logger,
    private readonly id: string,
    /** The run (1, 2, …), or the next run's number for an event written between runs. */
    run: number,
  ) {
    this.seq = run * RUN_SEQ
  }

  push(event: PublishedEvent): void {
    const last = this.buffer.at(-1)
    if (DELTAS.has(event.type) && last?.type === event.type) {
      const text = (last.data as { text: string }).text + (event.data as { text: string }).text
      this.buffer[this.buffer.length - 1] = { type: event.type, data: { text } } as PublishedEvent
    } else {
      this.buffer.push(event)
    }
    if (isFinal(event)) {
      void this.flush()
    } else {
      this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS)
    }
  }

  /** Writes what is gathered; resolves once everything pushed so far is written. */
  flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    const events = this.buffer
    this.buffer = []
    if (events.length > 0) {
      const stored: StoredJobEvent[] = events.map((event) => ({
        seq: ++this.seq,
        type: event.type,
        data: JSON.stringify(event.data),
      }))
      this.writing = this.writing
        .then(() => this.store.appendEvents(this.id, stored))
        .then(
          () => this.signals.wake(this.id),
          (error: unknown) => {
            // Followers miss these events; the outcome still reaches them from the record.
            if (this.warned) return
            this.warned = true
            this.logger.warn(
              { job_id: this.id, detail: (error as Error).message },
              'could not store job events',
            )
          },
        )
    }
    return this.writing
  }
}

export interface FollowOptions {
  /** How often the store is read when no writer in this process wakes the follower. */
  pollMs: number
  /**
   * Called when no event has arrived for a while: answers the final event when the job has ended
   * without one in the log (it was purged, or its last run died before writing it), else null.
   */
  settled: () => Promise<PublishedEvent | null>
  /** Polls between two `settled` checks. */
  settleEvery?: number
}

/**
 * Passes a job's events to `listener` from the first, then each new one until a final one.
 * Answers a function that stops following.
 */
export function followJobEvents(
  store: JobStore,
  signals: JobEventSignals,
  id: string,
  listener: (event: PublishedEvent) => void,
  options: FollowOptions,
): () => void {
  let stopped = false
  let cursor = 0
  const settleEvery = options.settleEvery ?? 10
  void (async () => {
    let idle = 0
    while (!stopped) {
      let events: StoredJobEvent[] = []
      try {
        events = await store.readEvents(id, cursor, READ_BATCH)
      } catch {
        // The database is away for a moment: try again at the next poll.
      }
      for (const stored of events) {
        if (stopped) return
        cursor = stored.seq
        const event = { type: stored.type, data: JSON.parse(stored.data) } as PublishedEvent
        listener(event)
        if (isFinal(event)) return
      }
      if (events.length === READ_BATCH) continue
      idle = events.length > 0 ? 0 : idle + 1
      if (idle >= settleEvery) {
        idle = 0
        const final = await options.settled().catch(() => null)
        // Events written meanwhile come first; the final one then follows from the log.
        if (
          final &&
          !stopped &&
          (await store.readEvents(id, cursor, 1).catch(() => [])).length === 0
        ) {
          listener(final)
          return
        }
      }
      await signals.wait(id, options.pollMs)
    }
  })()
  return () => {
    stopped = true
  }
}
