import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { CODE_REPLY, llmEnv, waitFor } from '../helpers/generation.js'
import { chatReply, CHAT, ScriptedLlmServer } from '../helpers/scripted-llm.js'

/**
 * Two API processes sharing one history: a retry with an Idempotency-Key reaches the second while
 * the first still runs the generation. It waits IDEMPOTENCY_WAIT_MS, then says the first request
 * is still running (it answered 500 "the first request failed" after five minutes).
 */
describe('a retry with an Idempotency-Key while another process runs the generation', () => {
  let upstream: ScriptedLlmServer
  let directory: string
  let first: FastifyInstance
  let second: FastifyInstance
  let firstUrl: string
  let secondUrl: string

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    directory = mkdtempSync(join(tmpdir(), 'verigen-idempotency-'))
    const shared = { DATABASE_URL: `sqlite://${join(directory, 'verigen.db')}` }
    first = await createTestApp(llmEnv(upstream, shared))
    second = await createTestApp(llmEnv(upstream, { ...shared, IDEMPOTENCY_WAIT_MS: '300' }))
    firstUrl = (await listenTestApp(first)).url
    secondUrl = (await listenTestApp(second)).url
  })
  afterAll(async () => {
    await Promise.all([first.close(), second.close()])
    await upstream.close()
    rmSync(directory, { recursive: true, force: true })
  })

  it('answers 409 with Retry-After while it runs, then the first result once it has finished', async () => {
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    upstream.on(CHAT, async (request, response) => {
      await held
      return chatReply(CODE_REPLY)(request, response)
    })
    const post = (url: string) =>
      fetch(`${url}/api/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'retry-while-running' },
        body: JSON.stringify({
          prompt: 'parse an ISO-8601 duration into seconds',
          programming_language: 'python',
          include_tests: false,
          include_docs: false,
        }),
      })
    const original = post(firstUrl)
    await waitFor(() => upstream.requests(CHAT).length > 0, 5000)
    expect(upstream.requests(CHAT)).toHaveLength(1)

    const retry = await post(secondUrl)
    expect(retry.status).toBe(409)
    expect(retry.headers.get('retry-after')).toBe('5')
    const body = await readJson(retry)
    expect(body).toMatchObject({ code: 'APP_ERR_IDEMPOTENCY_IN_PROGRESS', status_code: 409 })
    expect(body.detail).toContain('IDEMPOTENCY_WAIT_MS')

    release()
    const first = await original
    expect(first.status).toBe(200)
    const result = await readJson(first)
    const replay = await post(secondUrl)
    expect(replay.status).toBe(200)
    expect((await readJson(replay)).id).toBe(result.id)
    // One generation ran: the retries never reached the model.
    expect(upstream.requests(CHAT)).toHaveLength(1)
  })
})
