import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cache } from '../../src/ports/cache.js'

/**
 * The specification of the cache port, run against every adapter. `open` returns an empty cache
 * with room for at least 100 entries; keys are prefixed so that runs never collide.
 */
export function runCacheContract(name: string, open: () => Promise<Cache>): void {
  describe(`${name} cache`, () => {
    let cache: Cache
    const prefix = `contract:${Date.now()}:${Math.random()}:`

    beforeAll(async () => {
      cache = await open()
    })
    afterAll(async () => {
      await cache?.close()
    })

    it('returns what was stored, as a copy', async () => {
      const value = { code: 'print(1)', metrics: { cyclomatic: 1 }, list: [1, 'two', null] }
      await cache.set(`${prefix}a`, value)
      const read = await cache.get<typeof value>(`${prefix}a`)
      expect(read).toEqual(value)
      read!.metrics.cyclomatic = 99
      expect(await cache.get(`${prefix}a`)).toEqual(value)
    })

    it('answers undefined for a missing key', async () => {
      expect(await cache.get(`${prefix}missing`)).toBeUndefined()
    })

    it('deletes, and reports whether the key existed', async () => {
      await cache.set(`${prefix}d`, 1)
      expect(await cache.delete(`${prefix}d`)).toBe(true)
      expect(await cache.get(`${prefix}d`)).toBeUndefined()
      expect(await cache.delete(`${prefix}d`)).toBe(false)
    })

    it('expires entries after their TTL', async () => {
      await cache.set(`${prefix}ttl`, 'soon gone', 1)
      expect(await cache.get(`${prefix}ttl`)).toBe('soon gone')
      await new Promise((resolve) => setTimeout(resolve, 1100))
      expect(await cache.get(`${prefix}ttl`)).toBeUndefined()
    })

    it('reports its status', async () => {
      const status = await cache.status()
      expect(status.status).toBe('ok')
      expect(status.backend).toBe(cache.backend)
    })
  })
}
