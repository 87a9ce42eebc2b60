import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import {
  asksForJavaScript,
  BROKEN_CODE,
  BROKEN_TESTS,
  DOCS,
  GOOD_CODE,
  JS_CODE,
  llmEnv,
  promptOf,
  stageOf,
  TESTS,
} from '../helpers/generation.js'
import {
  CHAT,
  chatBody,
  chatReply,
  errorReply,
  fenced,
  ScriptedLlmServer,
  sleep,
  type ScriptedHandler,
} from '../helpers/scripted-llm.js'

/**
 * The scripted model: markers in the prompt choose the answer. `[broken]` code never parses,
 * `[reject]` gets an HTTP 400, `[bad-tests]` gets tests that do not parse, `[slow]` answers late.
 * Every call counts towards the number of requests open at once.
 */
class Model {
  delayMs = 0
  open = 0
  maxOpen = 0

  reset(delayMs = 0): void {
    this.delayMs = delayMs
    this.open = 0
    this.maxOpen = 0
  }

  readonly handler: ScriptedHandler = async (request, response) => {
    this.open++
    this.maxOpen = Math.max(this.maxOpen, this.open)
    try {
      const body = chatBody(request)
      const stage = stageOf(body)
      const prompt = promptOf(body)
      const delay = prompt.includes('[slow]') ? 150 : this.delayMs
      if (delay > 0) await sleep(delay)
      if (stage === 'code' && prompt.includes('[reject]')) {
        return errorReply(400, { error: { message: 'this prompt is refused' } })(request, response)
      }
      const javascript = asksForJavaScript(body)
      const text =
        stage === 'docs'
          ? DOCS
          : stage === 'tests'
            ? fenced('python', prompt.includes('[bad-tests]') ? BROKEN_TESTS : TESTS)
            : javascript
              ? fenced('javascript', JS_CODE)
              : fenced('python', prompt.includes('[broken]') ? BROKEN_CODE : GOOD_CODE)
      return chatReply(text)(request, response)
    } finally {
      this.open--
    }
  }
}

async function post(url: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** A request with one model call only: no tests, no documentation, no cache. */
function single(prompt: string, programming_language = 'python') {
  return {
    prompt,
    programming_language,
    include_tests: false,
    include_docs: false,
    options: { cache: false },
  }
}

describe('POST /api/generate/batch', () => {
  const model = new Model()
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    upstream.on(CHAT, model.handler)
    app = await createTestApp(
      llmEnv(upstream, { RATE_LIMIT_REQUESTS: '0', BATCH_CONCURRENCY: '2' }),
    )
    url = (await listenTestApp(app)).url
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
  })
  beforeEach(() => {
    model.reset()
    upstream.received.length = 0
  })

  it('answers every item in input order with its own status, and counts them', async () => {
    const requests = [
      // Slow, so that later items finish first: the order is still the input order.
      { prompt: 'add two integers [slow]', programming_language: 'python' },
      { prompt: 'add two integers in COBOL', programming_language: 'cobol' },
      {
        prompt: 'add two integers [broken]',
        programming_language: 'python',
        include_docs: false,
        options: { max_repair_attempts: 0 },
      },
      { prompt: 'add two integers [reject]', programming_language: 'python' },
      {
        prompt: 'add two integers [bad-tests]',
        programming_language: 'py',
        options: { max_repair_attempts: 0 },
      },
      single('add two numbers in JavaScript', 'js'),
    ]
    const response = await post(url, '/api/generate/batch', { requests })
    expect(response.status).toBe(200)
    const body = await readJson(response)

    expect(body.results.map((item: { index: number }) => item.index)).toEqual([0, 1, 2, 3, 4, 5])
    expect(body.results.map((item: { status: string }) => item.status)).toEqual([
      'completed',
      'error',
      'failed',
      'error',
      'partial',
      'completed',
    ])
    expect(body.summary).toEqual({ total: 6, completed: 2, partial: 1, failed: 1, errors: 2 })

    const [slow, cobol, broken, rejected, badTests, javascript] = body.results
    expect(slow.error).toBeUndefined()
    expect(slow.result).toMatchObject({
      status: 'completed',
      programming_language: 'python',
      code: GOOD_CODE,
      tests: { code: TESTS, syntax_valid: true },
      documentation: { content: DOCS, format: 'markdown' },
      usage: { llm_calls: 3 },
      errors: [],
    })
    // A failed item carries the one error body of the API, with the batch request's id.
    const requestId = response.headers.get('x-request-id')
    expect(cobol).toEqual({
      index: 1,
      status: 'error',
      error: {
        error: 'Unsupported programming language',
        code: 'APP_ERR_LANGUAGE_UNSUPPORTED',
        detail: expect.stringContaining('cobol'),
        status_code: 400,
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        request_id: requestId,
        supported_languages: expect.arrayContaining(['python']),
      },
    })
    expect(broken.result).toMatchObject({
      status: 'failed',
      code: BROKEN_CODE,
      tests: null,
      documentation: null,
      validation: { syntax_valid: false, repair_attempts: 0 },
    })
    expect(rejected).toEqual({
      index: 3,
      status: 'error',
      error: {
        error: 'AI service rejected the request',
        code: 'APP_ERR_PROVIDER_REJECTED',
        detail: expect.stringMatching(/HTTP 400: this prompt is refused/),
        status_code: 502,
        timestamp: expect.any(String),
        request_id: requestId,
      },
    })
    expect(badTests.result).toMatchObject({
      status: 'partial',
      programming_language: 'python',
      tests: { syntax_valid: false },
      errors: [{ stage: 'tests', detail: expect.stringMatching(/do not parse/) }],
    })
    expect(javascript.result).toMatchObject({
      status: 'completed',
      programming_language: 'javascript',
      code: JS_CODE,
      tests: null,
      documentation: null,
    })

    // Each generated item is in the history as returned.
    for (const item of [slow, broken, badTests, javascript]) {
      const stored = await readJson(await fetch(`${url}/api/generations/${item.result.id}`))
      expect(stored.result).toEqual(item.result)
    }
    // The rejected prompt reached the model once (a 400 is not retried); COBOL never did.
    const prompts = upstream.requests(CHAT).map((request) => promptOf(chatBody(request)))
    expect(prompts.filter((prompt) => prompt.includes('[reject]'))).toHaveLength(1)
    expect(prompts.filter((prompt) => prompt.includes('COBOL'))).toHaveLength(0)
  })

  it('runs at most BATCH_CONCURRENCY generations of a batch at once', async () => {
    model.reset(100)
    const requests = Array.from({ length: 6 }, (_, index) => single(`batch item number ${index}`))
    const started = performance.now()
    const response = await post(url, '/api/generate/batch', { requests })
    const elapsed = performance.now() - started
    expect(response.status).toBe(200)
    const body = await readJson(response)
    expect(body.summary).toMatchObject({ total: 6, completed: 6 })
    expect(upstream.requests(CHAT)).toHaveLength(6)
    // Two at a time, never more: three rounds of 100 ms.
    expect(model.maxOpen).toBe(2)
    expect(elapsed).toBeGreaterThanOrEqual(290)
  })

  it('limits each batch on its own', async () => {
    model.reset(100)
    const batch = (name: string) =>
      post(url, '/api/generate/batch', {
        requests: Array.from({ length: 3 }, (_, index) => single(`${name} item number ${index}`)),
      })
    const responses = await Promise.all([batch('first'), batch('second')])
    expect(responses.map((response) => response.status)).toEqual([200, 200])
    expect(upstream.requests(CHAT)).toHaveLength(6)
    expect(model.maxOpen).toBeGreaterThan(2)
    expect(model.maxOpen).toBeLessThanOrEqual(4)
  })

  it('validates the batch and every request in it before any model call', async () => {
    const empty = await post(url, '/api/generate/batch', { requests: [] })
    expect(empty.status).toBe(400)
    const emptyBody = await readJson(empty)
    expect(emptyBody).toMatchObject({ code: 'APP_ERR_VALIDATION', status_code: 400 })
    expect(emptyBody.errors[0]).toMatchObject({ field: 'body.requests' })

    const requests = Array.from({ length: 21 }, (_, index) => single(`too many requests ${index}`))
    const tooMany = await post(url, '/api/generate/batch', { requests })
    expect(tooMany.status).toBe(400)
    expect((await readJson(tooMany)).errors[0]).toMatchObject({ field: 'body.requests' })

    const bad = await post(url, '/api/generate/batch', {
      requests: [single('a valid first request'), single('   short   ')],
    })
    expect(bad.status).toBe(400)
    const badBody = await readJson(bad)
    expect(badBody.code).toBe('APP_ERR_VALIDATION')
    expect(badBody.errors).toEqual([
      expect.objectContaining({ field: 'body.requests.1.prompt', rule: expect.any(String) }),
    ])
    expect(badBody.detail).toContain('body.requests.1.prompt')

    const missing = await post(url, '/api/generate/batch', {})
    expect(missing.status).toBe(400)
    expect((await readJson(missing)).errors[0]).toMatchObject({
      field: 'body.requests',
      rule: 'required',
    })
    const extra = await post(url, '/api/generate/batch', {
      requests: [single('a valid request here')],
      parallel: true,
    })
    expect(extra.status).toBe(400)
    expect(upstream.requests(CHAT)).toHaveLength(0)
  })
})

describe('GENERATION_CONCURRENCY across single and batch generations', () => {
  const model = new Model()
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    upstream.on(CHAT, model.handler)
    app = await createTestApp(
      llmEnv(upstream, {
        RATE_LIMIT_REQUESTS: '0',
        GENERATION_CONCURRENCY: '1',
        BATCH_CONCURRENCY: '3',
      }),
    )
    url = (await listenTestApp(app)).url
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
  })

  it('runs one generation at a time in the whole process', async () => {
    model.reset(100)
    const responses = await Promise.all([
      post(url, '/api/generate', single('first single generation')),
      post(url, '/api/generate', single('second single generation')),
      post(url, '/api/generate/batch', {
        requests: [0, 1, 2].map((index) => single(`batched generation ${index}`)),
      }),
    ])
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200])
    const [first, second, batch] = await Promise.all(responses.map(readJson))
    expect([first.status, second.status]).toEqual(['completed', 'completed'])
    expect(batch.summary).toMatchObject({ total: 3, completed: 3 })
    expect(upstream.requests(CHAT)).toHaveLength(5)
    expect(model.maxOpen).toBe(1)
    // Queued generations report their wait.
    const queued = [first, second, ...batch.results.map((item: { result: unknown }) => item.result)]
    expect(
      queued.some((result: { timings_ms: { queue: number } }) => result.timings_ms.queue >= 90),
    ).toBe(true)
  })
})
