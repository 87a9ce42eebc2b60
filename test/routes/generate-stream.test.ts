import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { llmEnv, repliesByStage, stageOf, waitFor } from '../helpers/generation.js'
import {
  CHAT,
  chatBody,
  chatReply,
  fenced,
  ScriptedLlmServer,
  streamReply,
} from '../helpers/scripted-llm.js'
import { collectSse, readSse, type SseEvent } from '../helpers/sse.js'

// Samples of its own: short, since some replies below stream two characters at a time, and
// BROKEN fails on line 1, where the repair test expects it.
const CODE =
  'def double(value: int) -> int:\n    """Return twice the value."""\n    return value * 2\n'
const BROKEN = 'def double(value: int) -> int\n    return value * 2\n'
const TESTS = 'from solution import double\n\n\ndef test_double():\n    assert double(2) == 4\n'
const DOCS = '# double\n\nDoubles a number.\n'

const pieces = (text: string, size = 8) => text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? []

describe('POST /api/generate/stream', () => {
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string

  function standardReplies() {
    upstream.on(
      CHAT,
      repliesByStage(() => ({
        code: fenced('python', CODE),
        tests: fenced('python', TESTS),
        docs: DOCS,
      })),
    )
  }

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    app = await createTestApp(llmEnv(upstream, { STREAM_HEARTBEAT_MS: '150' }))
    url = (await listenTestApp(app)).url
    standardReplies()
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
  })
  afterEach(() => {
    upstream.received.length = 0
    standardReplies()
  })

  const stream = (body: object, signal?: AbortSignal) =>
    fetch(`${url}/api/generate/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ programming_language: 'python', options: { cache: false }, ...body }),
      ...(signal ? { signal } : {}),
    })

  const names = (events: SseEvent[]) => events.map((event) => event.event)

  it('sends each stage as it happens, in order, ending with the full result', async () => {
    standardReplies()
    const response = await stream({ prompt: 'double a number' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(response.headers.get('cache-control')).toMatch(/no-cache/)
    const { events } = await collectSse(response)
    const order = names(events)
    expect(order[0]).toBe('started')
    expect(order.at(-1)).toBe('completed')
    const codeDone = order.indexOf('code.done')
    expect(order.slice(1, codeDone).every((name) => name === 'code.delta')).toBe(true)
    expect(codeDone).toBeGreaterThan(1)
    for (const stage of ['tests', 'docs']) {
      const done = order.indexOf(`${stage}.done`)
      expect(done).toBeGreaterThan(codeDone)
      expect(order.lastIndexOf(`${stage}.delta`)).toBeLessThan(done)
      expect(order.indexOf(`${stage}.delta`)).toBeGreaterThan(codeDone)
    }
    expect(order.indexOf('metrics')).toBeGreaterThan(order.indexOf('tests.done'))
    expect(order.indexOf('metrics')).toBeGreaterThan(order.indexOf('docs.done'))

    const started = events[0]!.data
    expect(started).toEqual({ id: expect.any(String), model: 'scripted-model' })
    const deltas = events.filter((event) => event.event === 'code.delta')
    expect(deltas.map((event) => event.data.text).join('')).toBe(fenced('python', CODE))
    expect(events[codeDone]!.data).toMatchObject({
      code: CODE,
      validation: { syntax_valid: true, repair_attempts: 0 },
    })
    const completed = events.at(-1)!.data
    expect(completed).toMatchObject({ id: started.id, status: 'completed', code: CODE })
    const stored = await readJson(await fetch(`${url}/api/generations/${started.id}`))
    expect(stored.result).toEqual(completed)
    // The model calls streamed (the upstream was asked for a stream).
    expect(upstream.requests(CHAT).every((request) => chatBody(request).stream)).toBe(true)
  })

  it('shows a repair, then the corrected code arriving', async () => {
    upstream.once(CHAT, chatReply(fenced('python', BROKEN)))
    const { events } = await collectSse(
      await stream({ prompt: 'double a number', include_tests: false, include_docs: false }),
    )
    const order = names(events)
    const repair = order.indexOf('repair')
    expect(repair).toBeGreaterThan(order.indexOf('code.delta'))
    expect(order.slice(repair + 1)).toContain('code.delta')
    expect(events[repair]!.data).toMatchObject({
      stage: 'code',
      attempt: 1,
      syntax_errors: [expect.objectContaining({ line: 1 })],
    })
    expect(events.at(-1)).toMatchObject({
      event: 'completed',
      data: { status: 'completed', validation: { repair_attempts: 1 } },
    })
  })

  it('ends with an error event when the upstream fails mid-stream, without retrying', async () => {
    upstream.once(CHAT, streamReply(pieces(fenced('python', CODE)), { failAfter: 3 }))
    const response = await stream({ prompt: 'double a number', include_tests: false })
    expect(response.status).toBe(200)
    const { events } = await collectSse(response)
    expect(names(events).filter((name) => name === 'code.delta')).toHaveLength(3)
    const last = events.at(-1)!
    expect(last.event).toBe('error')
    expect(last.data).toMatchObject({
      code: 'APP_ERR_PROVIDER_UNAVAILABLE',
      status_code: 503,
      request_id: expect.any(String),
    })
    expect(upstream.requests(CHAT)).toHaveLength(1)
    const history = await readJson(
      await fetch(`${url}/api/generations/${events[0]!.data.id as string}`),
    )
    expect(history.status).toBe('failed')
  })

  it('stops the model call within a second when the client disconnects', async () => {
    let upstreamClosedAt = 0
    upstream.once(
      CHAT,
      streamReply(pieces(fenced('python', CODE), 2), {
        delayMs: 100,
        onClientClose: () => (upstreamClosedAt = performance.now()),
      }),
    )
    const controller = new AbortController()
    const response = await stream({ prompt: 'double a number' }, controller.signal)
    let id = ''
    for await (const item of readSse(response)) {
      if ('event' in item && item.event.event === 'started') id = item.event.data.id
      if ('event' in item && item.event.event === 'code.delta') break
    }
    const abortedAt = performance.now()
    controller.abort()
    await waitFor(() => upstreamClosedAt > 0, 1000)
    expect(upstreamClosedAt).toBeGreaterThan(0)
    expect(upstreamClosedAt - abortedAt).toBeLessThan(1000)
    const record = async () => readJson(await fetch(`${url}/api/generations/${id}`))
    await waitFor(async () => (await record()).status !== 'running', 2000)
    expect(await record()).toMatchObject({
      status: 'cancelled',
      error: expect.stringMatching(/^APP_ERR_GENERATION_CANCELLED/),
    })
    expect(upstream.requests(CHAT)).toHaveLength(1)
  })

  it('is cancelled by POST /api/generations/{id}/cancel, which frees the slot', async () => {
    let upstreamClosed = false
    upstream.once(
      CHAT,
      streamReply(pieces(fenced('python', CODE), 2), {
        delayMs: 100,
        onClientClose: () => (upstreamClosed = true),
      }),
    )
    const response = await stream({ prompt: 'double a number' })
    const events: SseEvent[] = []
    let cancel: Promise<Response> | null = null
    for await (const item of readSse(response)) {
      if (!('event' in item)) continue
      events.push(item.event)
      if (item.event.event === 'code.delta' && !cancel) {
        cancel = fetch(`${url}/api/generations/${events[0]!.data.id as string}/cancel`, {
          method: 'POST',
        })
      }
    }
    const answer = await cancel!
    expect(answer.status).toBe(200)
    const deltas = events.filter((event) => event.event === 'code.delta').length
    expect(deltas).toBeGreaterThan(0)
    // The tokens that arrived before the cancel are counted: the reply was cut short, not free.
    const cancelled = await readJson(answer)
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      usage: { prompt_tokens: 0, completion_tokens: deltas, total_tokens: deltas, llm_calls: 1 },
    })
    // The answer is the history entry, as GET /api/generations/{id} gives it.
    const id = events[0]!.data.id as string
    expect(cancelled).toEqual(await readJson(await fetch(`${url}/api/generations/${id}`)))
    expect(cancelled).toMatchObject({ request: { prompt: expect.any(String) }, result: null })
    expect(events.at(-1)).toMatchObject({
      event: 'error',
      data: { code: 'APP_ERR_GENERATION_CANCELLED', status_code: 409 },
    })
    await waitFor(() => upstreamClosed, 1000)
    expect(upstreamClosed).toBe(true)
    // The slot is free again: nothing runs, nothing waits.
    const health = await readJson(await fetch(`${url}/api/health`))
    expect(health.services.generation).toMatchObject({ status: 'ok', running: 0, queued: 0 })
    const again = await fetch(`${url}/api/generations/${events[0]!.data.id as string}/cancel`, {
      method: 'POST',
    })
    expect(again.status).toBe(409)
    expect(await readJson(again)).toMatchObject({ code: 'APP_ERR_GENERATION_FINISHED' })
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toMatch(
      /verigen_generations_total\{language="python",status="cancelled"\} [1-9]/,
    )
    const unknown = await fetch(`${url}/api/generations/no-such-id/cancel`, { method: 'POST' })
    expect(unknown.status).toBe(404)
  })

  it('delivers model output that imitates an event as plain text', async () => {
    const forged = 'x = 1\n\n\nevent: completed\ndata: {"status": "forged"}\n\n'
    upstream.on(CHAT, (request, response) =>
      stageOf(chatBody(request)) === 'docs'
        ? chatReply(forged)(request, response)
        : chatReply(fenced('python', CODE))(request, response),
    )
    const { events } = await collectSse(
      await stream({ prompt: 'double a number', include_tests: false }),
    )
    expect(names(events).filter((name) => name === 'completed')).toHaveLength(1)
    expect(events.at(-1)!.data.status).toBe('completed')
    const docs = events.filter((event) => event.event === 'docs.delta')
    expect(docs.map((event) => event.data.text).join('')).toBe(forged)
    expect(events.find((event) => event.event === 'docs.done')!.data.content).toContain(
      'event: completed',
    )
  })

  it('sends heartbeat comments while the model is slow', async () => {
    upstream.once(CHAT, chatReply(fenced('python', CODE), { delayMs: 400 }))
    const { comments } = await collectSse(
      await stream({ prompt: 'double a number', include_tests: false, include_docs: false }),
    )
    expect(comments.filter((comment) => comment === 'heartbeat').length).toBeGreaterThanOrEqual(1)
  })

  it('answers request errors before the stream starts as plain HTTP errors', async () => {
    const short = await stream({ prompt: 'short' })
    expect(short.status).toBe(400)
    expect(await readJson(short)).toMatchObject({ code: 'APP_ERR_VALIDATION' })
    const language = await stream({ prompt: 'double a number', programming_language: 'cobol' })
    expect(language.status).toBe(400)
    expect(upstream.requests(CHAT)).toHaveLength(0)
  })

  it('replays a cached generation as events', async () => {
    const body = { prompt: 'double a number, cached', options: {} }
    const first = await collectSse(await stream(body))
    expect(first.events.at(-1)!.data.cached).toBe(false)
    const calls = upstream.requests(CHAT).length
    const second = await collectSse(await stream(body))
    expect(names(second.events)).toEqual([
      'started',
      'code.done',
      'tests.done',
      'docs.done',
      'metrics',
      'completed',
    ])
    expect(second.events.at(-1)!.data).toMatchObject({ cached: true, code: CODE })
    expect(upstream.requests(CHAT)).toHaveLength(calls)
  })
})
