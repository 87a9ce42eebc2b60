import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { CODE_REPLY, DOCS, llmEnv, repliesByStage, TESTS_REPLY } from '../helpers/generation.js'
import { CHAT, ScriptedLlmServer, sleep } from '../helpers/scripted-llm.js'
import { collectSse } from '../helpers/sse.js'

const REQUEST = {
  prompt: 'parse an ISO-8601 duration into seconds',
  programming_language: 'python',
  options: { cache: false },
}

/**
 * Two API apps without a worker (`WORKER_CONCURRENCY=0`) and one worker app, sharing one SQLite
 * file and its database queue: what the API processes answer comes from the worker's runs.
 */
describe('API processes without a worker', () => {
  let upstream: ScriptedLlmServer
  let directory: string
  let worker: FastifyInstance
  const apis: FastifyInstance[] = []
  const urls: string[] = []

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    const normal = repliesByStage(() => ({ code: CODE_REPLY, tests: TESTS_REPLY, docs: DOCS }))
    // Slow enough that requests overlap.
    upstream.on(CHAT, async (request, response) => {
      await sleep(150)
      return normal(request, response)
    })
    directory = mkdtempSync(join(tmpdir(), 'verigen-pure-api-'))
    const shared = llmEnv(upstream, {
      DATABASE_URL: `sqlite://${join(directory, 'verigen.db')}`,
      RATE_LIMIT_REQUESTS: '0',
    })
    worker = await createTestApp({ ...shared, WORKER_CONCURRENCY: '2' })
    await worker.ready()
    for (let index = 0; index < 2; index++) {
      const api = await createTestApp({ ...shared, WORKER_CONCURRENCY: '0' })
      apis.push(api)
      urls.push((await listenTestApp(api)).url)
    }
  })
  afterAll(async () => {
    for (const app of [...apis, worker]) await app.close()
    await upstream.close()
    rmSync(directory, { recursive: true, force: true })
  })

  const generate = (url: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(REQUEST),
    })

  it('answers POST /api/generate with the result a worker produced, and keeps one record', async () => {
    const response = await generate(urls[0]!, '/api/generate')
    expect(response.status).toBe(200)
    const result = await readJson(response)
    expect(result).toMatchObject({ status: 'completed', programming_language: 'python' })
    expect(result.code).toContain('def parse_duration')
    expect(worker.services.worker).not.toBeNull()
    expect(apis[0]!.services.worker).toBeNull()
    // The generation is a job, run by the worker app, visible from the other API process.
    const seen = await readJson(await fetch(`${urls[1]}/api/jobs/${result.id}`))
    expect(seen).toMatchObject({ id: result.id, status: 'completed', attempts: 1 })
  })

  it('relays the events of POST /api/generate/stream from the worker', async () => {
    const { events } = await collectSse(await generate(urls[1]!, '/api/generate/stream'))
    const names = events.map((event) => event.event)
    expect(names[0]).toBe('started')
    expect(names).toContain('code.done')
    expect(names.at(-1)).toBe('completed')
    expect(names.filter((name) => name === 'completed')).toHaveLength(1)
  })

  it('answers one Idempotency-Key sent to both API processes at once with one generation', async () => {
    const key = `key-${Date.now()}`
    const [first, second] = await Promise.all(
      urls.map((url) => generate(url, '/api/generate', { 'idempotency-key': key })),
    )
    expect([first!.status, second!.status]).toEqual([200, 200])
    const [a, b] = [await readJson(first!), await readJson(second!)]
    expect(a.id).toBe(b.id)
    expect(
      [
        first!.headers.get('idempotent-replayed'),
        second!.headers.get('idempotent-replayed'),
      ].sort(),
    ).toEqual(['true', null].sort())
  })
})
