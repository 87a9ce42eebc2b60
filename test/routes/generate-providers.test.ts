import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, LogCapture, readJson } from '../helpers/app.js'
import {
  CODE_REPLY,
  DOCS,
  GOOD_CODE,
  llmEnv,
  repliesByStage,
  stageOfPrompt,
  TESTS,
  TESTS_REPLY,
  type Stage,
} from '../helpers/generation.js'
import {
  anthropicReply,
  CHAT,
  chatBody,
  errorReply,
  hang,
  MESSAGES,
  suiteUpstream,
  type ReceivedRequest,
  type ScriptedHandler,
} from '../helpers/scripted-llm.js'

const RESPONSES = 'POST /v1/responses'

/** Each stage's reply, whichever API asks. */
const REPLIES: Record<Stage, string> = { code: CODE_REPLY, tests: TESTS_REPLY, docs: DOCS }

/** A chat-completions upstream that answers each generation stage with its reply. */
const chatByStage = repliesByStage(() => REPLIES)

/** The user text of an Anthropic Messages request (the system prompt travels apart). */
function anthropicUserText(request: ReceivedRequest): string {
  const body = JSON.parse(request.body) as {
    messages: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }>
  }
  const first = body.messages[0]?.content ?? ''
  return typeof first === 'string' ? first : first.map((part) => part.text ?? '').join('')
}

const anthropicByStage: ScriptedHandler = (request, response) =>
  anthropicReply(REPLIES[stageOfPrompt(anthropicUserText(request))])(request, response)

const PROMPT = 'parse an ISO-8601 duration into seconds'

async function post(url: string, path: string, body: object): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

describe('POST /api/generate with each model provider', () => {
  const upstream = suiteUpstream()

  afterEach(() => {
    upstream.received.length = 0
    upstream.on(CHAT, chatByStage)
    upstream.on(MESSAGES, anthropicByStage)
  })

  describe('no provider configured', () => {
    let app: FastifyInstance
    let url: string
    let logs: LogCapture

    beforeAll(async () => {
      logs = new LogCapture()
      app = await createTestApp({ LOG_LEVEL: 'info' }, { logDestination: logs.stream })
      url = (await listenTestApp(app)).url
    })
    afterAll(async () => {
      await app.close()
    })

    it('answers generation with 503 saying what to set', async () => {
      const response = await post(url, '/api/generate', {
        prompt: PROMPT,
        programming_language: 'python',
      })
      expect(response.status).toBe(503)
      const body = await readJson(response)
      expect(body).toMatchObject({
        code: 'APP_ERR_PROVIDER_NOT_CONFIGURED',
        error: 'AI service not configured',
      })
      expect(body.detail).toContain('OPENAI_API_KEY')
      expect(body.detail).toContain('LLM_BASE_URL')
      expect(body.detail).toContain("run 'npx verigen models pull'")
      // The operator sees the one command to run in the server's output, once.
      await post(url, '/api/generate', { prompt: PROMPT, programming_language: 'python' })
      const told = logs.lines.filter((line) => line.command === 'npx verigen models pull')
      expect(told).toHaveLength(1)
      expect(told[0]!.msg).toBe(
        "generation asked for with no model configured; run 'npx verigen models pull' and restart",
      )
    })

    it('still analyses code', async () => {
      const response = await post(url, '/api/analyze', {
        code: GOOD_CODE,
        programming_language: 'python',
      })
      expect(response.status).toBe(200)
      expect(await readJson(response)).toMatchObject({ programming_language: 'python' })
    })

    it('reports the provider as not configured in the health check', async () => {
      const response = await fetch(`${url}/api/health`)
      expect(response.status).toBe(200)
      expect((await readJson(response)).services.llm).toMatchObject({
        status: 'not_configured',
      })
    })
  })

  describe('LLM_PROVIDER=openai', () => {
    const KEY = 'sk-route-secret-4242'
    let app: FastifyInstance
    let logs: LogCapture
    let url: string

    beforeAll(async () => {
      upstream.on(CHAT, chatByStage)
      logs = new LogCapture()
      app = await createTestApp(
        {
          LLM_PROVIDER: 'openai',
          OPENAI_API_KEY: KEY,
          LLM_BASE_URL: `${upstream.url}/v1`,
          LLM_RETRY_BASE_MS: '10',
          LOG_LEVEL: 'info',
        },
        { logDestination: logs.stream },
      )
      url = (await listenTestApp(app)).url
    })
    afterAll(async () => {
      await app.close()
    })

    it('generates through chat completions with a bearer key', async () => {
      const response = await post(url, '/api/generate', {
        prompt: PROMPT,
        programming_language: 'python',
        options: { cache: false },
      })
      expect(response.status).toBe(200)
      const body = await readJson(response)
      expect(body).toMatchObject({
        status: 'completed',
        code: GOOD_CODE,
        tests: { code: TESTS, syntax_valid: true },
        documentation: { content: DOCS },
        provider: 'openai',
        model: 'gpt-4o-mini',
        usage: { llm_calls: 3 },
      })
      const calls = upstream.requests(CHAT)
      expect(calls).toHaveLength(3)
      expect(upstream.requests(RESPONSES)).toHaveLength(0)
      for (const call of calls) {
        expect(call.headers.authorization).toBe(`Bearer ${KEY}`)
        expect(chatBody(call).model).toBe('gpt-4o-mini')
      }
      expect(JSON.stringify(body)).not.toContain(KEY)
    })

    it('answers a refused key with 503, never showing the key', async () => {
      upstream.on(
        CHAT,
        errorReply(401, {
          error: {
            message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        }),
      )
      const response = await post(url, '/api/generate', {
        prompt: 'a request with a bad key',
        programming_language: 'python',
        options: { cache: false },
      })
      expect(response.status).toBe(503)
      const text = await response.text()
      const body = JSON.parse(text) as { code: string; detail: string }
      expect(body.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(body.detail).toMatch(/rejected the credentials \(HTTP 401\); check LLM_API_KEY/)
      expect(text).not.toContain(KEY)
      expect(upstream.requests(CHAT)).toHaveLength(1)
      const errors = logs.lines.filter((line) => line.level === 50)
      expect(errors.some((line) => /LLM_API_KEY/.test(String(line.msg)))).toBe(true)
      expect(logs.raw).not.toContain(KEY)
      const history = await (await fetch(`${url}/api/generations?status=failed`)).text()
      expect(history).toContain('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(history).not.toContain(KEY)
    })

    it('honours Retry-After on a 429, then succeeds', async () => {
      upstream.once(CHAT, errorReply(429, undefined, { 'retry-after': '1' }))
      const start = performance.now()
      const response = await post(url, '/api/generate', {
        prompt: 'a request that is rate limited once',
        programming_language: 'python',
        include_tests: false,
        include_docs: false,
        options: { cache: false },
      })
      const elapsed = performance.now() - start
      expect(response.status).toBe(200)
      expect(await readJson(response)).toMatchObject({ status: 'completed', code: GOOD_CODE })
      expect(elapsed).toBeGreaterThanOrEqual(950)
      expect(upstream.requests(CHAT)).toHaveLength(2)
    })
  })

  describe('LLM_PROVIDER=anthropic', () => {
    const KEY = 'sk-ant-route-secret'
    let app: FastifyInstance
    let url: string

    beforeAll(async () => {
      upstream.on(MESSAGES, anthropicByStage)
      app = await createTestApp({
        LLM_PROVIDER: 'anthropic',
        ANTHROPIC_API_KEY: KEY,
        LLM_BASE_URL: `${upstream.url}/v1`,
        LLM_MODEL: 'claude-scripted',
        LLM_RETRY_BASE_MS: '10',
      })
      url = (await listenTestApp(app)).url
    })
    afterAll(async () => {
      await app.close()
    })

    it('generates code, tests and documentation through the Messages API', async () => {
      const response = await post(url, '/api/generate', {
        prompt: PROMPT,
        programming_language: 'python',
        options: { cache: false },
      })
      expect(response.status).toBe(200)
      expect(await readJson(response)).toMatchObject({
        status: 'completed',
        code: GOOD_CODE,
        tests: { code: TESTS, syntax_valid: true },
        documentation: { content: DOCS },
        provider: 'anthropic',
        model: 'claude-scripted',
        usage: { prompt_tokens: 30, completion_tokens: 60, llm_calls: 3 },
      })
      const calls = upstream.requests(MESSAGES)
      expect(calls.map((call) => stageOfPrompt(anthropicUserText(call))).sort()).toEqual([
        'code',
        'docs',
        'tests',
      ])
      for (const call of calls) expect(call.headers['x-api-key']).toBe(KEY)
      expect(upstream.requests(CHAT)).toHaveLength(0)
    })
  })

  describe('a provider that never answers', () => {
    let app: FastifyInstance
    let url: string

    beforeAll(async () => {
      app = await createTestApp(llmEnv(upstream, { LLM_TIMEOUT_MS: '1000', LLM_MAX_RETRIES: '0' }))
      url = (await listenTestApp(app)).url
    })
    afterAll(async () => {
      await app.close()
    })

    it('answers 504 once LLM_TIMEOUT_MS has passed', async () => {
      upstream.on(CHAT, hang())
      const start = performance.now()
      const response = await post(url, '/api/generate', {
        prompt: 'a request to a silent provider',
        programming_language: 'python',
        options: { cache: false },
      })
      expect(response.status).toBe(504)
      const body = await readJson(response)
      expect(body).toMatchObject({ code: 'APP_ERR_PROVIDER_TIMEOUT' })
      expect(body.detail).toMatch(/did not answer within 1000 ms \(LLM_TIMEOUT_MS\)/)
      expect(performance.now() - start).toBeGreaterThanOrEqual(950)
      expect(upstream.requests(CHAT)).toHaveLength(1)
    })
  })
})
