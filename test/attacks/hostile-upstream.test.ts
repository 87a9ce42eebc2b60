import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError, toErrorBody } from '../../src/errors.js'
import { createTestApp, listenTestApp, LogCapture, readJson } from '../helpers/app.js'
import { GOOD_CODE, llmEnv, promptOf, waitFor } from '../helpers/generation.js'
import {
  HOSTILE_KEY,
  HOSTILE_MODES,
  hostileReply,
  type HostileMode,
} from '../helpers/hostile-upstream.js'
import { CHAT, chatBody, chatReply, fenced, ScriptedLlmServer } from '../helpers/scripted-llm.js'
import { collectSse } from '../helpers/sse.js'

// Long enough that a huge or endless reply reaches the reply limit first even on a loaded machine.
const TIMEOUT_MS = 2000
const DEADLINE_MS = 4500
const MAX_REPLY_BYTES = 128 * 1024
/** Time a request may take beyond LLM_DEADLINE_MS: queueing and parsing under a parallel load. */
const SLACK_MS = 3000

/** What each mode must end with: the HTTP status (or the stream's error status), per endpoint. */
function expectedStatus(mode: HostileMode, streaming: boolean): number {
  switch (mode) {
    case 'huge-json':
    case 'huge-sse':
    case 'endless-line':
    case 'endless-events':
    case 'error-200-json':
    case 'error-200-sse':
    case 'key-in-400':
    case 'key-in-text-200':
    case 'key-in-html-200':
    case 'html-200':
    case 'empty-200':
    case 'truncated-json':
      return 502
    case 'wrong-content-type':
      // A whole reply labelled text/plain is read; events labelled JSON are not JSON.
      return streaming ? 502 : 200
    case 'reset-mid-stream':
      return 503
    case 'slow-drip':
      return 504
    default:
      // Malformed usage or model, odd finish reasons, content that is no text, bad UTF-8: the
      // reply is used as far as it goes, and the generation ends in a stored, readable result.
      return 200
  }
}

const TOO_LARGE: HostileMode[] = ['huge-json', 'huge-sse', 'endless-line', 'endless-events']

/** A generation request whose prompt names the upstream's mode. */
function body(mode: string): string {
  return JSON.stringify({
    prompt: `Write a function that parses a duration [mode:${mode}]`,
    programming_language: 'python',
    include_tests: false,
    include_docs: false,
    options: { cache: false, max_repair_attempts: 0 },
  })
}

function tcpHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((name) => name === 'TCPSocketWrap' || name === 'TCPServerWrap').length
}

function expectErrorShape(body: Record<string, unknown>, status: number): void {
  expect(body).toMatchObject({
    error: expect.any(String),
    detail: expect.any(String),
    status_code: status,
    timestamp: expect.any(String),
    request_id: expect.any(String),
    code: expect.stringMatching(/^APP_ERR_[A-Z_]+$/),
  })
}

describe('a hostile upstream', () => {
  const upstream = new ScriptedLlmServer()
  const logs = new LogCapture()
  const texts: string[] = []
  let app: FastifyInstance
  let url: string
  let unhandled = 0
  let baselineHandles = 0
  const onUnhandled = () => unhandled++

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    baselineHandles = tcpHandles()
    await upstream.start()
    // Each request names its mode in its prompt; repairs and continuations repeat the prompt.
    upstream.on(CHAT, (request, response) => {
      const mode = /\[mode:([a-z0-9-]+)\]/.exec(promptOf(chatBody(request)))?.[1] as HostileMode
      return hostileReply(mode, { hugeBytes: 4 * MAX_REPLY_BYTES })(request, response)
    })
    app = await createTestApp(
      llmEnv(upstream, {
        LLM_API_KEY: HOSTILE_KEY,
        LLM_TIMEOUT_MS: String(TIMEOUT_MS),
        LLM_DEADLINE_MS: String(DEADLINE_MS),
        LLM_MAX_RETRIES: '1',
        LLM_MAX_REPLY_BYTES: String(MAX_REPLY_BYTES),
        ANALYSIS_MAX_FILE_BYTES: '64kb',
        RATE_LIMIT_REQUESTS: '0',
        LOG_LEVEL: 'info',
      }),
      { logDestination: logs.stream },
    )
    url = (await listenTestApp(app)).url
    // One ordinary generation first: loading the grammar and warming up the code paths takes a
    // few hundred milliseconds, which would otherwise fall on the first hostile requests.
    upstream.once(CHAT, chatReply(fenced('python', GOOD_CODE)))
    const warmUp = await fetch(`${url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('none'),
    })
    expect(warmUp.status).toBe(200)
  })

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
  })

  async function generate(mode: HostileMode): Promise<void> {
    const started = performance.now()
    const response = await fetch(`${url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(mode),
    })
    const text = await response.text()
    texts.push(text)
    const elapsed = performance.now() - started
    expect(elapsed, `${mode}: took ${Math.round(elapsed)} ms`).toBeLessThan(DEADLINE_MS + SLACK_MS)
    const parsed = JSON.parse(text) as Record<string, unknown>
    expect(`${mode} generate ${response.status}`).toBe(
      `${mode} generate ${expectedStatus(mode, false)}`,
    )
    if (response.status === 200) {
      expect(['completed', 'partial', 'failed']).toContain(parsed.status)
    } else {
      expectErrorShape(parsed, response.status)
      if (TOO_LARGE.includes(mode)) expect(parsed.code).toBe('APP_ERR_PROVIDER_REPLY_TOO_BIG')
    }
  }

  async function stream(mode: HostileMode): Promise<void> {
    const started = performance.now()
    const response = await fetch(`${url}/api/generate/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(mode),
    })
    const read = await collectSse(response)
    texts.push(JSON.stringify(read))
    const elapsed = performance.now() - started
    expect(elapsed, `${mode}: took ${Math.round(elapsed)} ms`).toBeLessThan(DEADLINE_MS + SLACK_MS)
    const last = read.events.at(-1)
    expect(['completed', 'error'], `${mode}: last event ${last?.event}`).toContain(last?.event)
    const status = last?.event === 'completed' ? 200 : (last?.data.status_code as number)
    expect(`${mode} stream ${status}`).toBe(`${mode} stream ${expectedStatus(mode, true)}`)
    if (last?.event === 'error') {
      expectErrorShape(last.data as Record<string, unknown>, status)
      if (TOO_LARGE.includes(mode)) expect(last.data.code).toBe('APP_ERR_PROVIDER_REPLY_TOO_BIG')
    }
  }

  it('ends every request within its deadline, with a defined status or a terminal event', async () => {
    const results = await Promise.allSettled(
      HOSTILE_MODES.flatMap((mode) => [generate(mode), stream(mode)]),
    )
    const failures = results.flatMap((result) =>
      result.status === 'rejected' ? [String((result.reason as Error).message)] : [],
    )
    expect(failures).toEqual([])
  }, 30_000)

  it('answers a model reply too large for the parse gate with 502, naming the sizes', async () => {
    // Under LLM_MAX_REPLY_BYTES, over ANALYSIS_MAX_FILE_BYTES (64 KiB): the upstream's fault.
    const huge = GOOD_CODE + '# padding\n'.repeat(10_000)
    upstream.once(CHAT, chatReply(fenced('python', huge)))
    const response = await fetch(`${url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('none'),
    })
    const answer = await readJson(response)
    texts.push(JSON.stringify(answer))
    expect(response.status).toBe(502)
    expect(answer.code).toBe('APP_ERR_PROVIDER_REPLY_TOO_BIG')
    expect(answer.detail).toMatch(/\d+ bytes/)
    expect(answer.detail).toMatch(/ANALYSIS_MAX_FILE_BYTES/)
  })

  it('keeps the history readable, and the key out of it, out of responses and out of the logs', async () => {
    const list = await fetch(`${url}/api/generations?limit=100`)
    expect(list.status).toBe(200)
    const history = await readJson(list)
    texts.push(JSON.stringify(history))
    const items = history.items as Array<{ id: string }>
    expect(items.length).toBeGreaterThan(0)
    for (const item of items) {
      const one = await fetch(`${url}/api/generations/${item.id}`)
      expect(one.status, `GET /api/generations/${item.id}`).toBe(200)
      const entry = await readJson(one)
      texts.push(JSON.stringify(entry))
      expect(entry.status).not.toBe('running')
    }
    for (const text of [...texts, logs.raw]) {
      expect(text).not.toContain(HOSTILE_KEY)
      expect(text).not.toContain('sk-test-hostile')
    }
    expect(logs.lines.length).toBeGreaterThan(0)
  })

  it('removes the key from a log line and an error body that quote it, whoever wrote them', async () => {
    const before = logs.raw.length
    app.log.error(
      { err: new Error(`the upstream said ${HOSTILE_KEY}`), header: `Bearer ${HOSTILE_KEY}` },
      `a line about ${HOSTILE_KEY}`,
    )
    const written = logs.raw.slice(before)
    expect(written).toContain('[redacted]')
    expect(written).not.toContain(HOSTILE_KEY)
    expect(JSON.parse(written)).toMatchObject({ msg: 'a line about [redacted]' })
    const body = toErrorBody(new AppError('APP_ERR_INTERNAL', `quoting ${HOSTILE_KEY}`), 'id')
    expect(body.detail).toBe('quoting [redacted]')
  })

  it('leaves no unhandled rejection and no open socket behind', async () => {
    await app.close()
    await upstream.close()
    await waitFor(() => tcpHandles() <= baselineHandles, 5000)
    expect(tcpHandles()).toBeLessThanOrEqual(baselineHandles)
    expect(unhandled).toBe(0)
  })
})
