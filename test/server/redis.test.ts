import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { REDIS_URL, serviceAvailable } from '../helpers/services.js'

const available = await serviceAvailable('Redis', '127.0.0.1', 6379)

describe.skipIf(!available)('with REDIS_URL', () => {
  it('counts the rate limit across API processes and reports Redis in health', async () => {
    const environment = {
      REDIS_URL,
      REDIS_KEY_PREFIX: `verigen-test:${randomUUID()}:`,
      RATE_LIMIT_REQUESTS: '3',
    }
    const first = await createTestApp(environment)
    const second = await createTestApp(environment)
    const urls = [(await listenTestApp(first)).url, (await listenTestApp(second)).url]
    const statuses: number[] = []
    for (const url of [urls[0], urls[1], urls[0], urls[1]]) {
      statuses.push((await fetch(`${url}/api/languages`)).status)
    }
    expect(statuses).toEqual([200, 200, 200, 429])

    const health = await readJson(await fetch(`${urls[0]}/api/health`))
    expect(health.services.cache).toMatchObject({
      status: 'ok',
      backend: 'redis',
      latency_ms: expect.any(Number),
    })
    expect(health.services.rate_limiter).toMatchObject({ status: 'ok', backend: 'redis', limit: 3 })
    await first.close()
    await second.close()
  })

  it('refuses to build when Redis is unreachable, naming REDIS_URL', async () => {
    await expect(createTestApp({ REDIS_URL: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /check REDIS_URL/,
    )
  })
})
