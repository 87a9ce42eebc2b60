import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { runCacheContract } from '../../../test/contracts/cache.contract.js'
import { REDIS_URL, serviceAvailable } from '../../../test/helpers/services.js'
import { connectRedis } from '../redis/connection.js'
import { RedisCache } from './redis.js'

const available = await serviceAvailable('Redis', '127.0.0.1', 6379)
const silent = { debug() {}, info() {}, warn() {}, error() {} }

describe.skipIf(!available)('Redis', () => {
  const connections: { quit(): Promise<unknown> }[] = []
  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.quit()))
  })

  runCacheContract('redis', async () => {
    const client = await connectRedis(REDIS_URL, silent)
    connections.push(client)
    return new RedisCache(client, { ttlSeconds: 60, keyPrefix: `verigen-test:${randomUUID()}:` })
  })

  it('shares entries between two connections, as between two API processes', async () => {
    const keyPrefix = `verigen-test:${randomUUID()}:`
    const first = await connectRedis(REDIS_URL, silent)
    const second = await connectRedis(REDIS_URL, silent)
    connections.push(first, second)
    await new RedisCache(first, { ttlSeconds: 60, keyPrefix }).set('k', { value: 42 })
    expect(await new RedisCache(second, { ttlSeconds: 60, keyPrefix }).get('k')).toEqual({
      value: 42,
    })
  })

  it('fails start-up with a sentence when Redis cannot be reached', async () => {
    await expect(connectRedis('redis://:sekret@127.0.0.1:1', silent)).rejects.toThrow(
      /^Cannot connect to Redis at 'redis:\/\/:\*\*\*@127\.0\.0\.1:1': .*ECONNREFUSED.*; check REDIS_URL/,
    )
  })
})
