import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { llmEnv } from '../helpers/generation.js'
import { CHAT, errorReply, ScriptedLlmServer } from '../helpers/scripted-llm.js'
import { collectSse } from '../helpers/sse.js'
import { Client } from '../helpers/ws-client.js'

/** The keys of the API's one error body (docs/errors.md); extras come only from the error class. */
const ERROR_KEYS = ['code', 'detail', 'error', 'request_id', 'status_code', 'timestamp']

/** A generation request with one model call, never answered from the cache. */
const REQUEST = {
  prompt: 'add two integers and return the sum',
  programming_language: 'python',
  include_tests: false,
  include_docs: false,
  options: { cache: false },
}

function post(url: string, path: string, body: unknown, requestId: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify(body),
  })
}

// One upstream refusal reaches the client through every channel the API has: an HTTP answer, a
// batch item, a stream's error event and a WebSocket message. Each must be the same error body.
describe('one error shape on every channel', () => {
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    upstream.on(CHAT, errorReply(400, { error: { message: 'this prompt is refused' } }))
    app = await createTestApp(llmEnv(upstream, { RATE_LIMIT_REQUESTS: '0' }))
    url = (await listenTestApp(app)).url
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
  })

  it('answers the same keys from an HTTP route, a batch item, an SSE event and a WebSocket message', async () => {
    const http = await post(url, '/api/generate', REQUEST, 'shape-http')
    expect(http.status).toBe(502)
    const httpError = await readJson(http)

    const batch = await post(url, '/api/generate/batch', { requests: [REQUEST] }, 'shape-batch')
    expect(batch.status).toBe(200)
    const [item] = (await readJson(batch)).results
    expect(item.status).toBe('error')
    const batchError = item.error

    const stream = await post(url, '/api/generate/stream', REQUEST, 'shape-sse')
    expect(stream.status).toBe(200)
    const { events } = await collectSse(stream)
    const streamError = events.at(-1)
    expect(streamError?.event).toBe('error')

    const client = await Client.open(url)
    let wsError
    try {
      client.send({ type: 'generate', ref: 'shape', ...REQUEST })
      const messages = await client.finished('shape')
      const last = messages.at(-1)
      expect(last?.type).toBe('error')
      wsError = last?.data
    } finally {
      client.close()
    }

    const errors = {
      http: httpError,
      batch: batchError,
      sse: streamError?.data,
      ws: wsError,
    }
    for (const [channel, body] of Object.entries(errors)) {
      expect(Object.keys(body).sort(), channel).toEqual(ERROR_KEYS)
      expect(body, channel).toMatchObject({
        error: 'AI service rejected the request',
        status_code: 502,
        code: 'APP_ERR_PROVIDER_REJECTED',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      })
    }
    expect(httpError.request_id).toBe('shape-http')
    expect(batchError.request_id).toBe('shape-batch')
    expect(streamError?.data.request_id).toBe('shape-sse')
    expect(wsError.request_id).toEqual(expect.any(String))
  })

  it('answers the same keys for a failed file of an analysis batch and an HTTP client error', async () => {
    const batch = await post(
      url,
      '/api/analyze/batch',
      { files: [{ filename: 'notes.unknown', code: 'x' }] },
      'shape-analysis',
    )
    expect(batch.status).toBe(200)
    const [file] = (await readJson(batch)).results
    expect(file.status).toBe('error')
    // This error class adds the languages it knows; the error body's keys are all there too.
    expect(Object.keys(file.error).sort()).toEqual([...ERROR_KEYS, 'supported_languages'].sort())
    expect(file.error).toMatchObject({
      code: 'APP_ERR_LANGUAGE_UNDETECTED',
      request_id: 'shape-analysis',
    })

    const missing = await fetch(`${url}/api/no-such-route`, {
      headers: { 'x-request-id': 'shape-404' },
    })
    expect(missing.status).toBe(404)
    const body = await readJson(missing)
    expect(Object.keys(body).sort()).toEqual(ERROR_KEYS)
    expect(body.request_id).toBe('shape-404')
  })
})
