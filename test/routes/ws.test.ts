import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import {
  BROKEN_CODE,
  CODE_REPLY,
  DOCS,
  GOOD_CODE,
  llmEnv,
  repliesByStage,
  TESTS,
  TESTS_REPLY,
  waitFor,
  type Stage,
} from '../helpers/generation.js'
import {
  CHAT,
  chatBody,
  chatReply,
  fenced,
  hang,
  ScriptedLlmServer,
  sleep,
  type ScriptedHandler,
} from '../helpers/scripted-llm.js'
import { REDIS_URL, serviceAvailable } from '../helpers/services.js'
import { Client, isFinal, WebSocket, type Message } from '../helpers/ws-client.js'

/**
 * A streamed chat reply written one small piece every `intervalMs`, that records when the client
 * dropped the connection before the reply was over.
 */
function slowReply(
  text: string,
  { intervalMs, pieceSize }: { intervalMs: number; pieceSize: number },
) {
  let markClosed: (at: number) => void = () => {}
  const state = {
    /** When the client closed the connection mid-reply (performance.now()). */
    closed: new Promise<number>((resolve) => (markClosed = resolve)),
    finished: false,
    piecesSent: 0,
  }
  const handler: ScriptedHandler = async (request, response) => {
    const model = chatBody(request).model
    response.once('close', () => {
      if (!response.writableFinished) markClosed(performance.now())
    })
    const chunk = (delta: object, finish: string | null, extra: object = {}) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-slow', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.write(chunk({ role: 'assistant', content: '' }, null))
    for (let start = 0; start < text.length; start += pieceSize) {
      if (response.destroyed) return
      response.write(chunk({ content: text.slice(start, start + pieceSize) }, null))
      state.piecesSent++
      await sleep(intervalMs)
    }
    if (response.destroyed) return
    response.write(chunk({}, 'stop'))
    const usage = { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 }
    response.write(
      `data: ${JSON.stringify({ id: 'chatcmpl-slow', object: 'chat.completion.chunk', created: 1, model, choices: [], usage })}\n\n`,
    )
    response.end('data: [DONE]\n\n')
    state.finished = true
  }
  return { handler, state }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) =>
      setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms),
    ),
  ])
}

/** The event order of one generation: started, code, tests and docs (interleaved), metrics, completed. */
function expectEventOrder(events: Message[], stages: { tests: boolean; docs: boolean }): void {
  const types = events.map((event) => event.type)
  expect(types[0]).toBe('started')
  expect(types.at(-1)).toBe('completed')
  expect(types.at(-2)).toBe('metrics')
  expect(types.filter((type) => type === 'completed')).toHaveLength(1)
  expect(types.filter((type) => type === 'metrics')).toHaveLength(1)
  const codeDone = types.indexOf('code.done')
  expect(codeDone).toBeGreaterThan(1)
  expect(types.filter((type) => type === 'code.done')).toHaveLength(1)
  const code = types.slice(1, codeDone)
  expect(code[0]).toBe('code.delta')
  expect(code.every((type) => type === 'code.delta' || type === 'repair')).toBe(true)
  const rest = types.slice(codeDone + 1, -2)
  for (const stage of ['tests', 'docs'] as const) {
    const own = rest.filter((type) => type.startsWith(`${stage}.`))
    if (!stages[stage]) {
      expect(own).toEqual([])
      continue
    }
    expect(own.length).toBeGreaterThan(1)
    expect(own.at(-1)).toBe(`${stage}.done`)
    expect(own.slice(0, -1).every((type) => type === `${stage}.delta`)).toBe(true)
  }
  expect(rest.every((type) => /^(tests|docs)\.(delta|done)$/.test(type) || type === 'repair')).toBe(
    true,
  )
}

const deltaText = (events: Message[], type: string) =>
  events
    .filter((event) => event.type === type)
    .map((event) => event.data.text as string)
    .join('')

describe('GET /api/ws', () => {
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string
  let directory: string
  let databaseUrl: string
  const clients: Client[] = []
  /** Replies per stage; each call takes the next one, the last one repeats. */
  let script: Record<Stage, string[]>

  beforeAll(async () => {
    script = { code: [CODE_REPLY], tests: [TESTS_REPLY], docs: [DOCS] }
    upstream = await new ScriptedLlmServer().start()
    upstream.on(
      CHAT,
      repliesByStage(() => script),
    )
    // A database file, so that a second app (another API process) can read the same history.
    directory = mkdtempSync(join(tmpdir(), 'verigen-ws-'))
    databaseUrl = `sqlite://${join(directory, 'verigen.db')}`
    app = await createTestApp(llmEnv(upstream, { DATABASE_URL: databaseUrl }))
    url = (await listenTestApp(app)).url
  })
  afterAll(async () => {
    for (const client of clients) client.close()
    await app.close()
    await upstream.close()
    rmSync(directory, { recursive: true, force: true })
  })
  afterEach(() => {
    upstream.received.length = 0
    script = { code: [CODE_REPLY], tests: [TESTS_REPLY], docs: [DOCS] }
  })

  async function connect(base = url): Promise<Client> {
    const client = await Client.open(base)
    clients.push(client)
    return client
  }

  const request = (ref: string, overrides: object = {}) => ({
    type: 'generate',
    ref,
    prompt: `parse an ISO-8601 duration into seconds (${ref})`,
    programming_language: 'python',
    options: { cache: false },
    ...overrides,
  })

  const history = async (id: string) =>
    readJson(await fetch(`${url}/api/generations/${encodeURIComponent(id)}`))

  it('streams one generation in order, every message with its id and ref', async () => {
    const client = await connect()
    client.send(request('one'))
    const events = await client.finished('one')

    expectEventOrder(events, { tests: true, docs: true })
    const id = events[0]?.data.id as string
    expect(events[0]?.data).toEqual({ id, model: 'scripted-model' })
    for (const event of events) expect(event).toMatchObject({ id, ref: 'one' })
    expect(deltaText(events, 'code.delta')).toBe(CODE_REPLY)
    expect(deltaText(events, 'tests.delta')).toBe(TESTS_REPLY)
    expect(deltaText(events, 'docs.delta')).toBe(DOCS)
    const byType = (type: string) => events.find((event) => event.type === type)?.data
    expect(byType('code.done')).toMatchObject({
      code: GOOD_CODE,
      validation: { syntax_valid: true, repair_attempts: 0 },
    })
    expect(byType('tests.done')).toMatchObject({ code: TESTS, syntax_valid: true })
    expect(byType('docs.done')).toEqual({ content: DOCS, format: 'markdown' })

    const completed = events.at(-1)?.data
    expect(completed).toMatchObject({ id, status: 'completed', code: GOOD_CODE, cached: false })
    expect(byType('metrics')).toEqual(completed.metrics)
    const stored = await history(id)
    expect(stored.status).toBe('completed')
    expect(stored.result).toEqual(completed)
  })

  it('keeps two generations on one socket apart by id and ref', async () => {
    const client = await connect()
    client.send(request('left'))
    client.send(request('right', { include_docs: false }))
    const [left, right] = await Promise.all([client.finished('left'), client.finished('right')])

    expectEventOrder(left, { tests: true, docs: true })
    expectEventOrder(right, { tests: true, docs: false })
    const leftId = left[0]?.data.id as string
    const rightId = right[0]?.data.id as string
    expect(leftId).not.toBe(rightId)
    for (const event of left) expect(event.id).toBe(leftId)
    for (const event of right) expect(event.id).toBe(rightId)
    expect(client.messages.filter((message) => message.id === leftId)).toEqual(left)
    expect(client.messages.filter((message) => message.id === rightId)).toEqual(right)
    expect(left.at(-1)?.data).toMatchObject({ id: leftId, status: 'completed' })
    expect(right.at(-1)?.data).toMatchObject({ id: rightId, status: 'completed' })
    expect(deltaText(left, 'code.delta')).toBe(CODE_REPLY)
    expect(deltaText(right, 'code.delta')).toBe(CODE_REPLY)
    expect(upstream.requests(CHAT)).toHaveLength(5)
  })

  it('shows a repair between two runs of code deltas', async () => {
    script.code = [fenced('python', BROKEN_CODE), fenced('python', GOOD_CODE)]
    const client = await connect()
    client.send(request('repair', { include_tests: false, include_docs: false }))
    const events = await client.finished('repair')

    expectEventOrder(events, { tests: false, docs: false })
    const types = events.map((event) => event.type)
    const repair = types.indexOf('repair')
    expect(types.filter((type) => type === 'repair')).toHaveLength(1)
    expect(types[repair - 1]).toBe('code.delta')
    expect(types[repair + 1]).toBe('code.delta')
    expect(events[repair]?.data).toMatchObject({ stage: 'code', attempt: 1 })
    expect(events[repair]?.data.syntax_errors[0]).toMatchObject({ line: 2 })
    expect(deltaText(events.slice(0, repair), 'code.delta')).toBe(fenced('python', BROKEN_CODE))
    expect(deltaText(events.slice(repair), 'code.delta')).toBe(fenced('python', GOOD_CODE))
    expect(events.at(-1)?.data).toMatchObject({
      status: 'completed',
      code: GOOD_CODE,
      validation: { repair_attempts: 1 },
    })
  })

  it('cancels a generation on request: the model call stops, the history says cancelled', async () => {
    // A first answer that does not parse (its usage is recorded), then a slow repair cut short.
    upstream.once(CHAT, chatReply(fenced('python', BROKEN_CODE)))
    const slow = slowReply(fenced('python', GOOD_CODE), { intervalMs: 100, pieceSize: 4 })
    upstream.once(CHAT, slow.handler)
    const client = await connect()
    client.send(request('cancel', { include_tests: false, include_docs: false }))

    const id = (await client.message((m) => m.type === 'started', 'started')).data.id as string
    await client.until(() => {
      const events = client.messages.filter((message) => message.id === id)
      const repair = events.findIndex((event) => event.type === 'repair')
      return repair >= 0 && events.slice(repair).some((event) => event.type === 'code.delta')
    }, 'a delta of the repair')
    const sentAt = performance.now()
    client.send({ type: 'cancel', id })
    const closedAt = await withTimeout(slow.state.closed, 3000, 'the upstream connection to close')
    expect(closedAt - sentAt).toBeLessThan(1000)
    expect(slow.state.finished).toBe(false)

    const events = await client.finished('cancel')
    const last = events.at(-1)
    expect(last).toMatchObject({ type: 'error', id, ref: 'cancel' })
    expect(last?.data).toMatchObject({
      error: 'Generation cancelled',
      status_code: 409,
      code: 'APP_ERR_GENERATION_CANCELLED',
      request_id: expect.any(String),
      timestamp: expect.any(String),
    })
    expect(last?.data.detail).toContain(id)
    expect(events.filter((event) => event.type === 'completed')).toHaveLength(0)

    // The first call's reported usage, plus one token per piece of the repair that arrived.
    const repairPieces = events
      .slice(events.findIndex((event) => event.type === 'repair'))
      .filter((event) => event.type === 'code.delta').length
    const stored = await history(id)
    expect(stored).toMatchObject({
      status: 'cancelled',
      result: null,
      usage: {
        prompt_tokens: 10,
        completion_tokens: 20 + repairPieces,
        total_tokens: 30 + repairPieces,
        llm_calls: 2,
      },
      error: expect.stringMatching(/^APP_ERR_GENERATION_CANCELLED: /),
    })
    expect(stored.duration_ms).toEqual(expect.any(Number))

    // The socket goes on: a new generation completes, and the cancelled one said nothing more.
    client.send(request('after', { include_tests: false, include_docs: false }))
    const after = await client.finished('after')
    expect(after.at(-1)?.type).toBe('completed')
    expect(client.messages.filter((message) => message.id === id).at(-1)).toEqual(last)
    expect(client.messages.filter((message) => message.type === 'error')).toHaveLength(1)
    // Two calls for the cancelled generation (no retry after the cancel), one for the next.
    expect(upstream.requests(CHAT)).toHaveLength(3)
  })

  it('cancels the generations of a socket that closes', async () => {
    const slow = slowReply(CODE_REPLY, { intervalMs: 100, pieceSize: 4 })
    upstream.once(CHAT, slow.handler)
    const client = await connect()
    client.send(request('closing', { include_tests: false, include_docs: false }))
    const id = (await client.message((m) => m.type === 'started', 'started')).data.id as string
    await client.message((m) => m.type === 'code.delta', 'a code delta')

    const closedSocketAt = performance.now()
    client.close()
    const closedAt = await withTimeout(slow.state.closed, 3000, 'the upstream connection to close')
    expect(closedAt - closedSocketAt).toBeLessThan(1000)

    await waitFor(async () => (await history(id)).status !== 'running', 2000)
    expect(await history(id)).toMatchObject({
      status: 'cancelled',
      error: expect.stringMatching(/^APP_ERR_GENERATION_CANCELLED: .*WebSocket/),
    })
    expect(upstream.requests(CHAT)).toHaveLength(1)
  })

  it('lets another socket subscribe to a generation, and answers for finished and unknown ones', async () => {
    const slow = slowReply(CODE_REPLY, { intervalMs: 40, pieceSize: 16 })
    upstream.once(CHAT, slow.handler)
    const owner = await connect()
    const watcher = await connect()
    owner.send(request('watched', { include_tests: false, include_docs: false }))
    const id = (await owner.message((m) => m.type === 'started', 'started')).data.id as string
    await owner.message((m) => m.type === 'code.delta', 'a code delta')
    expect(slow.state.finished).toBe(false)

    watcher.send({ type: 'subscribe', id })
    const seen = await watcher.until(() => {
      const end = watcher.messages.findIndex((message) => message.id === id && isFinal(message))
      return end >= 0 && watcher.messages.slice(0, end + 1)
    }, 'the subscription to end')
    const owned = await owner.finished('watched')
    // Everything the owner saw, from `started` on: the events so far, then the rest.
    expect(seen).toEqual(owned.map(({ type, id: eventId, data }) => ({ type, id: eventId, data })))
    expect(seen[0]?.type).toBe('started')
    expect(seen.at(-1)).toMatchObject({ type: 'completed', id, data: { status: 'completed' } })
    expect(deltaText(seen, 'code.delta')).toBe(CODE_REPLY)
    const stored = await history(id)

    // A finished generation is told from the history, in one `completed`.
    watcher.messages.length = 0
    watcher.send({ type: 'subscribe', id })
    const replay = await watcher.until(
      () => watcher.messages.some(isFinal) && watcher.messages,
      'the replay',
    )
    expect(replay.filter(isFinal)).toEqual([{ type: 'completed', id, data: stored.result }])
    expect(replay.at(-1)?.type).toBe('completed')

    // Another API process on the same history tells it in one `completed`.
    const other = await createTestApp({ DATABASE_URL: databaseUrl })
    try {
      const remote = await connect((await listenTestApp(other)).url)
      remote.send({ type: 'subscribe', id })
      await remote.until(() => remote.messages.length > 0, 'an answer')
      await sleep(50)
      expect(remote.messages).toEqual([{ type: 'completed', id, data: stored.result }])

      remote.send({ type: 'subscribe', id: 'no-such-generation' })
      const missing = await remote.message((m) => m.type === 'error', 'an error')
      expect(missing).toMatchObject({
        id: 'no-such-generation',
        data: { code: 'APP_ERR_NOT_FOUND', status_code: 404 },
      })
      remote.close()
    } finally {
      await other.close()
    }

    watcher.send({ type: 'subscribe', id: 'unknown-generation' })
    const unknown = await watcher.message((m) => m.type === 'error', 'an error')
    expect(unknown).toMatchObject({
      id: 'unknown-generation',
      data: { code: 'APP_ERR_NOT_FOUND', status_code: 404 },
    })
    expect(unknown.data.detail).toContain('unknown-generation')
  })

  it('answers bad messages with errors and keeps the socket usable', async () => {
    const client = await connect()
    client.send('this is not JSON')
    const malformed = await client.message((m) => m.type === 'error', 'an error')
    expect(malformed).toMatchObject({
      id: null,
      data: { code: 'APP_ERR_MALFORMED_BODY', status_code: 400 },
    })
    expect(malformed).not.toHaveProperty('ref')

    client.messages.length = 0
    client.send({ type: 'explode', ref: 'odd', id: 'x' })
    const unknownType = await client.message((m) => m.type === 'error', 'an error')
    expect(unknownType).toMatchObject({
      id: null,
      ref: 'odd',
      data: { code: 'APP_ERR_VALIDATION' },
    })
    expect(unknownType.data.errors).toEqual([expect.objectContaining({ field: 'message.type' })])

    // Several generate messages in flight: each refusal names the message it answers.
    client.messages.length = 0
    client.send(request('short', { prompt: '   too short   ' }))
    client.send(request('no-language', { programming_language: 42 }))
    const short = await client.message((m) => m.ref === 'short', 'the error of short')
    expect(short).toMatchObject({
      type: 'error',
      id: null,
      data: { code: 'APP_ERR_VALIDATION', status_code: 400 },
    })
    expect(short.data.errors).toEqual([expect.objectContaining({ field: 'message.prompt' })])
    expect(short.data.detail).toContain('message.prompt')
    const noLanguage = await client.message((m) => m.ref === 'no-language', 'the other error')
    expect(noLanguage.data.errors).toEqual([
      expect.objectContaining({ field: 'message.programming_language' }),
    ])

    client.messages.length = 0
    client.send({ type: 'cancel', ref: 'cancel-1' })
    const noId = await client.message((m) => m.type === 'error', 'an error')
    expect(noId.ref).toBe('cancel-1')
    expect(noId.data.errors).toEqual([
      expect.objectContaining({ field: 'message.id', rule: 'required' }),
    ])

    // A ref that is itself invalid cannot be echoed; the error names it.
    client.messages.length = 0
    client.send(request('x'.repeat(101)))
    const longRef = await client.message((m) => m.type === 'error', 'an error')
    expect(longRef).not.toHaveProperty('ref')
    expect(longRef.data.errors).toEqual([expect.objectContaining({ field: 'message.ref' })])

    expect(client.closed).toBe(false)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
    client.messages.length = 0
    client.send(request('usable', { include_tests: false, include_docs: false }))
    const events = await client.finished('usable')
    expect(events.at(-1)?.type).toBe('completed')
    expect(upstream.requests(CHAT)).toHaveLength(1)
  })

  it('answers a plain GET without the upgrade in the error shape', async () => {
    const response = await fetch(`${url}/api/ws`)
    expect(response.status).toBe(400)
    expect(await readJson(response)).toMatchObject({
      code: 'APP_ERR_VALIDATION',
      detail: expect.stringContaining('Upgrade: websocket'),
      status_code: 400,
    })
  })

  it('refuses to cancel an unknown or a finished generation', async () => {
    const client = await connect()
    client.send({ type: 'cancel', ref: 'stop', id: 'no-such-generation' })
    const unknown = await client.message((m) => m.type === 'error', 'an error')
    expect(unknown).toMatchObject({
      id: 'no-such-generation',
      ref: 'stop',
      data: { code: 'APP_ERR_NOT_FOUND', status_code: 404 },
    })

    client.send(request('done', { include_tests: false, include_docs: false }))
    const [started] = await client.finished('done')
    const id = started?.data.id as string
    client.messages.length = 0
    client.send({ type: 'cancel', id })
    const finished = await client.message((m) => m.type === 'error', 'an error')
    expect(finished).toMatchObject({
      id,
      data: { code: 'APP_ERR_GENERATION_FINISHED', status_code: 409 },
    })
    expect(finished.data.detail).toMatch(/already finished \(completed\)/)
    expect((await history(id)).status).toBe('completed')
  })

  describe('without a model provider', () => {
    let bare: FastifyInstance
    let bareUrl: string

    beforeAll(async () => {
      bare = await createTestApp({ STREAM_HEARTBEAT_MS: '200' })
      bareUrl = (await listenTestApp(bare)).url
    })
    afterAll(async () => {
      await bare.close()
    })

    it('pings the client every STREAM_HEARTBEAT_MS', async () => {
      const client = await connect(bareUrl)
      const opened = performance.now()
      await client.until(() => client.pings >= 1, 'a ping', 1500)
      expect(performance.now() - opened).toBeLessThan(1500)
      await client.until(() => client.pings >= 2, 'a second ping', 1500)
      client.close()
    })

    it('answers a generate message with APP_ERR_PROVIDER_NOT_CONFIGURED', async () => {
      const client = await connect(bareUrl)
      client.send(request('nothing'))
      const [error] = await client.finished('nothing')
      expect(error).toMatchObject({
        type: 'error',
        id: null,
        ref: 'nothing',
        data: { code: 'APP_ERR_PROVIDER_NOT_CONFIGURED', status_code: 503 },
      })
      expect(client.messages).toHaveLength(1)
    })
  })
})

describe('GET /api/ws and the rate limit', () => {
  const upstream = new ScriptedLlmServer()
  const apps: FastifyInstance[] = []
  const clients: Client[] = []

  beforeAll(async () => {
    await upstream.start()
  })
  afterAll(async () => {
    for (const client of clients) client.close()
    for (const app of apps) await app.close()
    await upstream.close()
  })

  async function start(environment: Record<string, string>) {
    const app = await createTestApp(llmEnv(upstream, environment))
    apps.push(app)
    const { url } = await listenTestApp(app)
    const client = await Client.open(url)
    clients.push(client)
    return { url, client }
  }

  const generate = (ref: string) => ({
    type: 'generate',
    ref,
    prompt: `reverse the words of a sentence (${ref})`,
    programming_language: 'python',
    include_tests: false,
    include_docs: false,
    options: { cache: false },
  })

  it('counts every message like an HTTP request and refuses the excess by ref, socket open', async () => {
    upstream.on(CHAT, chatReply(CODE_REPLY))
    const { url, client } = await start({ RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW: '60' })
    // The upgrade request was the first of five; four messages fit, the other four do not.
    const refs = Array.from({ length: 8 }, (_value, index) => `g${index}`)
    for (const ref of refs) client.send(generate(ref))
    const last = await Promise.all(refs.map(async (ref) => (await client.finished(ref)).at(-1)))
    expect(last.slice(0, 4).map((message) => message?.type)).toEqual(Array(4).fill('completed'))
    for (const [index, refused] of last.slice(4).entries()) {
      expect(refused).toMatchObject({
        type: 'error',
        id: null,
        ref: `g${index + 4}`,
        data: { code: 'APP_ERR_RATE_LIMITED', status_code: 429 },
      })
      expect(refused?.data.retry_after_s).toBeGreaterThanOrEqual(1)
      expect(refused?.data.retry_after_s).toBeLessThanOrEqual(60)
    }
    expect(upstream.requests(CHAT)).toHaveLength(4)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
    // The socket's messages and the client's HTTP requests share one count.
    expect((await fetch(`${url}/api/languages`)).status).toBe(429)
    client.messages.length = 0
    client.send({ type: 'subscribe', ref: 'late', id: 'no-such-generation' })
    const late = await client.message((message) => message.ref === 'late', 'a refusal')
    expect(late.data.code).toBe('APP_ERR_RATE_LIMITED')
  })

  it('bounds the generations and messages in flight on one socket', async () => {
    upstream.received.length = 0
    upstream.on(CHAT, hang())
    const { client } = await start({ RATE_LIMIT_REQUESTS: '1000' })
    const refs = Array.from({ length: 40 }, (_value, index) => `h${index}`)
    for (const ref of refs) client.send(generate(ref))
    await client.until(() => client.messages.length >= 8, 'eight refusals')
    await waitFor(() => upstream.requests(CHAT).length >= 32, 5000)
    expect(upstream.requests(CHAT)).toHaveLength(32)
    const refused = client.messages.filter((message) => message.type === 'error')
    expect(refused.map((message) => message.ref)).toEqual(refs.slice(32))
    expect(refused[0]?.data).toMatchObject({ code: 'APP_ERR_RATE_LIMITED', retry_after_s: 1 })
    expect(refused[0]?.data.detail).toContain('in flight')
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
  })
})

const redisAvailable = await serviceAvailable('Redis', '127.0.0.1', 6379)

describe.skipIf(!redisAvailable)('GET /api/ws and the rate limit with REDIS_URL', () => {
  it('counts the messages of a socket in the limit shared by every API process', async () => {
    const environment = {
      REDIS_URL,
      REDIS_KEY_PREFIX: `verigen-test:${randomUUID()}:`,
      RATE_LIMIT_REQUESTS: '4',
    }
    const first = await createTestApp(environment)
    const second = await createTestApp(environment)
    try {
      const client = await Client.open((await listenTestApp(first)).url)
      const otherUrl = (await listenTestApp(second)).url
      expect((await fetch(`${otherUrl}/api/languages`)).status).toBe(200)
      // Two requests so far (the upgrade, one in the other process): two messages fit.
      for (const ref of ['s1', 's2', 's3']) {
        client.send({ type: 'subscribe', ref, id: `no-such-generation-${ref}` })
      }
      const answers = await Promise.all(
        ['s1', 's2', 's3'].map((ref) => client.message((m) => m.ref === ref, ref)),
      )
      expect(answers.map((message) => message.data.code)).toEqual([
        'APP_ERR_NOT_FOUND',
        'APP_ERR_NOT_FOUND',
        'APP_ERR_RATE_LIMITED',
      ])
      expect((await fetch(`${otherUrl}/api/languages`)).status).toBe(429)
      client.close()
    } finally {
      await first.close()
      await second.close()
    }
  })
})
