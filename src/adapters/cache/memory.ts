import type { Cache } from '../../ports/cache.js'
import type { ComponentStatus } from '../../ports/component-status.js'
import { systemClock, type Clock } from '../../ports/clock.js'

interface Entry {
  /** Serialised, so a caller mutating what it stored or read never changes the cache. */
  json: string
  expiresAt: number
}

/** In-process LRU cache with per-entry expiry; the default when `REDIS_URL` is unset. */
export class MemoryCache implements Cache {
  readonly backend = 'memory'
  // A Map iterates in insertion order, so re-inserting on read keeps the oldest entry first.
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly options: { maxEntries: number; ttlSeconds: number },
    private readonly clock: Clock = systemClock,
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    if (entry.expiresAt <= this.clock.now()) return undefined
    this.entries.set(key, entry)
    return JSON.parse(entry.json) as T
  }

  async set(key: string, value: unknown, ttlSeconds = this.options.ttlSeconds): Promise<void> {
    if (this.options.maxEntries === 0) return
    this.entries.delete(key)
    this.entries.set(key, {
      json: JSON.stringify(value),
      expiresAt: this.clock.now() + ttlSeconds * 1000,
    })
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done) break
      this.entries.delete(oldest.value)
    }
  }

  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key)
  }

  async status(): Promise<ComponentStatus> {
    return {
      status: 'ok',
      backend: this.backend,
      entries: this.entries.size,
      max_entries: this.options.maxEntries,
      ttl_s: this.options.ttlSeconds,
    }
  }

  async close(): Promise<void> {
    this.entries.clear()
  }
}
