import type { Redis } from 'ioredis'
import { DependencyError } from '../../errors.js'
import type { Cache } from '../../ports/cache.js'
import type { ComponentStatus } from '../../ports/component-status.js'
import { pingRedis } from '../redis/connection.js'

/**
 * The cache shared by several API processes. Entry count is bounded by Redis's own
 * `maxmemory-policy`, not by `CACHE_MAX_ENTRIES`.
 */
export class RedisCache implements Cache {
  readonly backend = 'redis'

  constructor(
    private readonly client: Redis,
    private readonly options: { ttlSeconds: number; keyPrefix: string },
  ) {}

  private key(key: string): string {
    return `${this.options.keyPrefix}cache:${key}`
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      throw new DependencyError(`Redis cache unavailable: ${(error as Error).message}`, error)
    }
  }

  async get<T>(key: string): Promise<T | undefined> {
    const text = await this.call(() => this.client.get(this.key(key)))
    return text === null ? undefined : (JSON.parse(text) as T)
  }

  async set(key: string, value: unknown, ttlSeconds = this.options.ttlSeconds): Promise<void> {
    await this.call(() => this.client.set(this.key(key), JSON.stringify(value), 'EX', ttlSeconds))
  }

  async delete(key: string): Promise<boolean> {
    return (await this.call(() => this.client.del(this.key(key)))) > 0
  }

  async status(): Promise<ComponentStatus> {
    return {
      status: 'ok',
      backend: this.backend,
      latency_ms: await pingRedis(this.client),
      ttl_s: this.options.ttlSeconds,
    }
  }

  /** The connection is shared and closed by its owner, not by the cache. */
  async close(): Promise<void> {}
}
