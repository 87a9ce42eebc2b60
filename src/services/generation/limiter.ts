import { AppError } from '../../errors.js'

/**
 * At most `limit` holders at once; others wait in line, first come first served. A waiter whose
 * signal aborts leaves the line; a line longer than `maxQueue` turns new arrivals away.
 */
export class Limiter {
  private active = 0
  private readonly waiting: Array<{ grant: () => void }> = []

  constructor(
    readonly limit: number,
    private readonly maxQueue = Number.POSITIVE_INFINITY,
    /** What waits, and the setting of the limit, for the message that turns arrivals away. */
    private readonly names = { waiting: 'generations', setting: 'GENERATION_CONCURRENCY' },
  ) {}

  get running(): number {
    return this.active
  }

  get queued(): number {
    return this.waiting.length
  }

  /** Runs `task` once a slot is free, and frees the slot when it settles. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal)
    try {
      return await task()
    } finally {
      this.release()
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    if (this.active < this.limit) {
      this.active++
      return Promise.resolve()
    }
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(
        new AppError(
          'APP_ERR_OVERLOADED',
          `${this.waiting.length} ${this.names.waiting} are already waiting for one of ${this.limit} slots (${this.names.setting}); retry shortly`,
          { retryable: true, headers: { 'retry-after': '5' } },
        ),
      )
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort)
          this.active++
          resolve()
        },
      }
      const onAbort = () => {
        const index = this.waiting.indexOf(entry)
        if (index >= 0) this.waiting.splice(index, 1)
        reject(signal?.reason as Error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(entry)
    })
  }

  private release(): void {
    this.active--
    this.waiting.shift()?.grant()
  }
}
