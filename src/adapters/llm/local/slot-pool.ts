/**
 * A fixed set of slots (context sequences), each lent to one call at a time. A call that finds
 * none free waits in arrival order until one is given back or its signal aborts.
 */
export class SlotPool<T> {
  private readonly free: T[]
  private readonly waiting: {
    resolve: (slot: T) => void
    reject: (reason: unknown) => void
    signal: AbortSignal
    onAbort: () => void
  }[] = []

  private readonly size: number

  constructor(slots: readonly T[]) {
    this.free = [...slots]
    this.size = slots.length
  }

  /** Slots lent out right now. */
  get busy(): number {
    return this.size - this.free.length
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.length
  }

  /** A free slot, at once or when one is released; rejects with the signal's reason on abort. */
  acquire(signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason as Error)
    const slot = this.free.pop()
    if (slot !== undefined) return Promise.resolve(slot)
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.waiting.indexOf(waiter)
          if (index >= 0) this.waiting.splice(index, 1)
          reject(signal.reason as Error)
        },
      }
      signal.addEventListener('abort', waiter.onAbort, { once: true })
      this.waiting.push(waiter)
    })
  }

  /** Gives a slot back, to the longest-waiting call if there is one. */
  release(slot: T): void {
    const waiter = this.waiting.shift()
    if (!waiter) {
      this.free.push(slot)
      return
    }
    waiter.signal.removeEventListener('abort', waiter.onAbort)
    waiter.resolve(slot)
  }

  /** Rejects every waiting call with `reason` (the pool's model is going away). */
  rejectWaiting(reason: unknown): void {
    for (const waiter of this.waiting.splice(0)) {
      waiter.signal.removeEventListener('abort', waiter.onAbort)
      waiter.reject(reason)
    }
  }
}
