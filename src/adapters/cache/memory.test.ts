import { describe, expect, it } from 'vitest'
import { runCacheContract } from '../../../test/contracts/cache.contract.js'
import { MemoryCache } from './memory.js'

runCacheContract('memory', async () => new MemoryCache({ maxEntries: 1000, ttlSeconds: 60 }))

describe('MemoryCache', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2, ttlSeconds: 60 })
    await cache.set('a', 1)
    await cache.set('b', 2)
    await cache.get('a')
    await cache.set('c', 3)
    expect(await cache.get('a')).toBe(1)
    expect(await cache.get('b')).toBeUndefined()
    expect(await cache.get('c')).toBe(3)
  })

  it('stores nothing when maxEntries is 0', async () => {
    const cache = new MemoryCache({ maxEntries: 0, ttlSeconds: 60 })
    await cache.set('a', 1)
    expect(await cache.get('a')).toBeUndefined()
  })

  it('expires by the injected clock', async () => {
    let now = 1_000_000
    const cache = new MemoryCache({ maxEntries: 10, ttlSeconds: 30 }, { now: () => now })
    await cache.set('a', 1)
    now += 29_999
    expect(await cache.get('a')).toBe(1)
    now += 1
    expect(await cache.get('a')).toBeUndefined()
  })
})
