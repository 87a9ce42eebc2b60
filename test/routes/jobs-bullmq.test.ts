import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { jobsApi } from '../helpers/jobs.js'
import { CODE_REPLY, DOCS, llmEnv, repliesByStage, TESTS_REPLY } from '../helpers/generation.js'
import { CHAT, chatBody, hang, ScriptedLlmServer } from '../helpers/scripted-llm.js'
import { REDIS_URL, serviceAvailable } from '../helpers/services.js'

const REQUEST = {
  prompt: 'parse an ISO-8601 duration into seconds',
  programming_language: 'python',
  options: { cache: false },
}

const redisUp = await serviceAvailable('Redis', '127.0.0.1', 6379)

describe.skipIf(!redisUp)('/api/jobs on BullMQ (REDIS_URL)', () => {
  const prefix = `verigen-test-${randomUUID().slice(0, 8)}:`
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string
  let redis: Redis

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    const normal = repliesByStage(() => ({ code: CODE_REPLY, tests: TESTS_REPLY, docs: DOCS }))
    upstream.on(CHAT, (request, response) =>
      JSON.stringify(chatBody(request).messages).includes('HANGS')
        ? hang()(request, response)
        : normal(request, response),
    )
    app = await createTestApp(
      llmEnv(upstream, {
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        WORKER_CONCURRENCY: '1',
        JOB_STALL_MS: '1000',
        RATE_LIMIT_REQUESTS: '0',
      }),
    )
    url = (await listenTestApp(app)).url
    redis = new Redis(REDIS_URL)
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })

  const post = async (body: object) => readJson(await jobsApi(url).post(body))
  const until = (id: string, statuses: string[], timeoutMs?: number) =>
    jobsApi(url).until(id, statuses, timeoutMs)

  it('runs a job, keeps the queue under REDIS_KEY_PREFIX, and reports the backend', async () => {
    const accepted = await post(REQUEST)
    expect(accepted.status).toBe('queued')
    expect(await until(accepted.job_id, ['completed', 'failed'])).toMatchObject({
      status: 'completed',
      attempts: 1,
    })
    expect((await redis.keys(`${prefix}jobs:*`)).length).toBeGreaterThan(0)
    const health = await readJson(await fetch(`${url}/api/health`))
    expect(health.services.queue).toMatchObject({ status: 'ok', backend: 'bullmq' })
  })

  it('stops a running job where its worker runs, and adds again a job Redis lost', async () => {
    const holder = await post({ ...REQUEST, prompt: `${REQUEST.prompt} HANGS` })
    await until(holder.job_id, ['running'])
    const lost = await post(REQUEST)
    // Redis loses the waiting job (a restart without persistence): only the database has it.
    await redis.lrem(`${prefix}jobs:wait`, 0, lost.job_id)
    await redis.del(`${prefix}jobs:${lost.job_id}`)

    const cancelled = await fetch(`${url}/api/jobs/${holder.job_id}/cancel`, { method: 'POST' })
    expect(await readJson(cancelled)).toMatchObject({ status: 'cancelled' })
    // The maintenance sweep finds it overdue and hands it to the queue again.
    expect(await until(lost.job_id, ['completed', 'failed'], 15_000)).toMatchObject({
      status: 'completed',
    })
  })
})
