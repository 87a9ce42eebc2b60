import type { ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import {
  anthropicReply,
  CHAT,
  chatBody,
  chatReply,
  errorReply,
  hang,
  MESSAGES,
  resetConnection,
  ScriptedLlmServer,
  sleep,
  suiteUpstream,
  type ScriptedHandler,
} from '../../../test/helpers/scripted-llm.js'
import {
  HOSTILE_KEY,
  hostileReply,
  type HostileMode,
} from '../../../test/helpers/hostile-upstream.js'
import { AppError } from '../../errors.js'
import type { Completion, CompletionRequest, LlmProvider } from '../../ports/llm-provider.js'
import type { Logger } from '../../ports/logger.js'
import { createAnthropicProvider } from './anthropic.js'
import type { RetryPolicy } from './model-provider.js'
import { createOpenAiCompatibleProvider, createOpenAiProvider } from './openai-compatible.js'
import type { ProviderSettings } from './settings.js'

const MODEL = 'scripted-model'

/** A logger that keeps every line, to assert on what was (and was not) written. */
class CapturingLogger implements Logger {
  readonly lines: Array<{ level: string; fields: object; message: string }> = []
  debug(fields: object, message: string): void {
    this.lines.push({ level: 'debug', fields, message })
  }
  info(fields: object, message: string): void {
    this.lines.push({ level: 'info', fields, message })
  }
  warn(fields: object, message: string): void {
    this.lines.push({ level: 'warn', fields, message })
  }
  error(fields: object, message: string): void {
    this.lines.push({ level: 'error', fields, message })
  }
  get text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n')
  }
}

const REQUEST: CompletionRequest = {
  messages: [
    { role: 'system', content: 'You write Python.' },
    { role: 'user', content: 'Write a function that adds two numbers.' },
  ],
}

/** Records when each request arrived, then lets `handler` answer it. */
function timed(arrivals: number[], handler: ScriptedHandler): ScriptedHandler {
  return (request, response) => {
    arrivals.push(performance.now())
    return handler(request, response)
  }
}

/** One SSE chunk of a chat-completions stream. */
function sseChunk(delta: object, finishReason: string | null = null): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  })}\n\n`
}

/** Rejection of `promise`, failing the test when it resolves. */
async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected the call to fail')
}

describe('ModelProvider against a scripted upstream', () => {
  const upstream = suiteUpstream()
  let logger: CapturingLogger

  afterEach(() => {
    upstream.received.length = 0
    upstream.on(CHAT, chatReply('unused'))
    upstream.on(MESSAGES, anthropicReply('unused'))
  })

  function settings(
    retry: Partial<RetryPolicy> = {},
    overrides: Partial<ProviderSettings> = {},
  ): ProviderSettings {
    logger = new CapturingLogger()
    return {
      id: 'openai-compatible',
      model: MODEL,
      baseUrl: `${upstream.url}/v1`,
      apiKey: null,
      maxReplyBytes: 64 * 1024,
      logger,
      local: null,
      retry: {
        maxRetries: 2,
        timeoutMs: 1000,
        deadlineMs: 10_000,
        baseDelayMs: 20,
        maxDelayMs: 200,
        ...retry,
      },
      ...overrides,
    }
  }

  function compatible(retry: Partial<RetryPolicy> = {}): LlmProvider {
    return createOpenAiCompatibleProvider(settings(retry))
  }

  const signal = () => new AbortController().signal

  describe('Retry-After', () => {
    it('waits the seconds of Retry-After before trying again', async () => {
      const arrivals: number[] = []
      upstream.once(CHAT, timed(arrivals, errorReply(429, undefined, { 'retry-after': '1' })))
      upstream.on(CHAT, timed(arrivals, chatReply('def add(a, b):\n    return a + b\n')))
      const completion = await compatible().complete(REQUEST, signal())
      expect(completion).toMatchObject({ text: expect.stringContaining('def add'), attempts: 2 })
      expect(upstream.requests(CHAT)).toHaveLength(2)
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950)
      const warning = logger.lines.find((line) => line.level === 'warn')
      expect(warning).toMatchObject({
        message: 'model call failed; retrying',
        fields: { attempt: 1, retry_in_ms: 1000, model: MODEL },
      })
    })

    it('waits the milliseconds of retry-after-ms before trying again', async () => {
      const arrivals: number[] = []
      upstream.once(CHAT, timed(arrivals, errorReply(429, undefined, { 'retry-after-ms': '300' })))
      upstream.on(CHAT, timed(arrivals, chatReply('ok')))
      const completion = await compatible().complete(REQUEST, signal())
      expect(completion.attempts).toBe(2)
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(280)
    })

    it('fails at once when Retry-After asks for longer than the deadline leaves', async () => {
      upstream.on(CHAT, errorReply(429, undefined, { 'retry-after': '5' }))
      const start = performance.now()
      const error = await failure(
        compatible({ deadlineMs: 2000, maxRetries: 5 }).complete(REQUEST, signal()),
      )
      expect(performance.now() - start).toBeLessThan(4000)
      expect(error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(error.message).toMatch(/rate limiting requests \(HTTP 429/)
      // The caller learns how long the provider asked to wait.
      expect(error.headers).toEqual({ 'retry-after': '5' })
      expect(error.retryable).toBe(true)
      expect(upstream.requests(CHAT)).toHaveLength(1)
    })
  })

  describe('transient failures', () => {
    it.each([408, 409, 429, 500, 502, 503, 529])('retries HTTP %i', async (status) => {
      upstream.once(CHAT, errorReply(status))
      upstream.on(CHAT, chatReply('recovered'))
      const completion = await compatible().complete(REQUEST, signal())
      expect(completion).toMatchObject({ text: 'recovered', attempts: 2 })
      expect(upstream.requests(CHAT)).toHaveLength(2)
    })

    it('counts every attempt of a call that recovers after 500, 502, 503 and 529', async () => {
      for (const status of [500, 502, 503, 529]) upstream.once(CHAT, errorReply(status))
      upstream.on(CHAT, chatReply('at last'))
      const completion = await compatible({ maxRetries: 4 }).complete(REQUEST, signal())
      expect(completion).toMatchObject({ text: 'at last', attempts: 5 })
      expect(upstream.requests(CHAT)).toHaveLength(completion.attempts)
      expect(logger.lines.filter((line) => line.level === 'warn')).toHaveLength(4)
    })

    it('gives up after maxRetries, saying how many attempts it made', async () => {
      upstream.on(CHAT, errorReply(500))
      const error = await failure(compatible({ maxRetries: 2 }).complete(REQUEST, signal()))
      expect(error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(error.status).toBe(503)
      expect(error.message).toMatch(/HTTP 500/)
      expect(error.message).toMatch(/after 3 attempts/)
      expect(upstream.requests(CHAT)).toHaveLength(3)
    })

    it('backs off exponentially between attempts', async () => {
      const arrivals: number[] = []
      upstream.on(CHAT, timed(arrivals, errorReply(503)))
      await failure(
        compatible({ maxRetries: 2, baseDelayMs: 200, maxDelayMs: 10_000 }).complete(
          REQUEST,
          signal(),
        ),
      )
      expect(arrivals).toHaveLength(3)
      // Jitter keeps each wait within [half, all] of 200 ms, then of 400 ms.
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(95)
      expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(195)
    })

    it('stops retrying when the overall deadline would pass', async () => {
      upstream.on(CHAT, errorReply(503))
      const start = performance.now()
      const error = await failure(
        compatible({
          maxRetries: 10,
          baseDelayMs: 200,
          maxDelayMs: 10_000,
          deadlineMs: 500,
        }).complete(REQUEST, signal()),
      )
      expect(error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(upstream.requests(CHAT).length).toBeLessThan(4)
      expect(performance.now() - start).toBeLessThan(2000)
    })

    it('reports the failure that caused a retry when the deadline cuts the retry short', async () => {
      upstream.once(CHAT, errorReply(503))
      upstream.on(CHAT, hang())
      const error = await failure(
        compatible({ maxRetries: 2, baseDelayMs: 20, timeoutMs: 5000, deadlineMs: 400 }).complete(
          REQUEST,
          signal(),
        ),
      )
      expect(error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(error.message).toContain('LLM_DEADLINE_MS ran out')
      expect(upstream.requests(CHAT)).toHaveLength(2)
    })

    it('retries a dropped connection', async () => {
      upstream.once(CHAT, resetConnection())
      upstream.on(CHAT, chatReply('after the reset'))
      const completion = await compatible().complete(REQUEST, signal())
      expect(completion).toMatchObject({ text: 'after the reset', attempts: 2 })
      expect(upstream.requests(CHAT)).toHaveLength(2)
    })

    it('retries a connection dropped in the middle of a reply', async () => {
      upstream.once(CHAT, async (_request, response: ServerResponse) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write('{"id":"chatcmpl-1","object":"chat.completion",')
        await sleep(20)
        response.socket?.destroy()
      })
      upstream.on(CHAT, chatReply('whole this time'))
      const completion = await compatible().complete(REQUEST, signal())
      expect(completion).toMatchObject({ text: 'whole this time', attempts: 2 })
      expect(logger.lines.find((line) => line.level === 'warn')?.fields).toMatchObject({
        reason: expect.stringMatching(/^Cannot reach/),
      })
    })

    it('reports a server that is not listening as unavailable, naming ECONNREFUSED', async () => {
      const closed = await new ScriptedLlmServer().start()
      const baseUrl = `${closed.url}/v1`
      await closed.close()
      const provider = createOpenAiCompatibleProvider(settings({ maxRetries: 1 }, { baseUrl }))
      const error = await failure(provider.complete(REQUEST, signal()))
      expect(error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(error.message).toContain('ECONNREFUSED')
      expect(error.message).toContain('LLM_BASE_URL')
      expect(error.message).toMatch(/after 2 attempts/)
    })

    it('times out an attempt that never answers, and retries it', async () => {
      upstream.on(CHAT, hang())
      const start = performance.now()
      const error = await failure(
        compatible({ timeoutMs: 300, maxRetries: 1 }).complete(REQUEST, signal()),
      )
      expect(error.code).toBe('APP_ERR_PROVIDER_TIMEOUT')
      expect(error.status).toBe(504)
      expect(error.message).toMatch(/did not answer within 300 ms \(LLM_TIMEOUT_MS\)/)
      expect(error.message).toMatch(/after 2 attempts/)
      expect(performance.now() - start).toBeGreaterThanOrEqual(550)
      expect(upstream.requests(CHAT)).toHaveLength(2)
    })

    it('cuts an attempt short at the overall deadline', async () => {
      upstream.on(CHAT, hang())
      const start = performance.now()
      const error = await failure(
        compatible({ timeoutMs: 5000, deadlineMs: 400 }).complete(REQUEST, signal()),
      )
      expect(error.code).toBe('APP_ERR_PROVIDER_TIMEOUT')
      expect(performance.now() - start).toBeLessThan(3000)
      expect(upstream.requests(CHAT)).toHaveLength(1)
    })
  })

  describe('permanent failures', () => {
    it.each([400, 404, 422])('does not retry HTTP %i', async (status) => {
      upstream.on(CHAT, errorReply(status, { error: { message: `scripted refusal ${status}` } }))
      const error = await failure(compatible().complete(REQUEST, signal()))
      expect(error.code).toBe('APP_ERR_PROVIDER_REJECTED')
      expect(error.status).toBe(502)
      expect(error.message).toContain(`HTTP ${status}: scripted refusal ${status}`)
      expect(error.message).not.toMatch(/attempts/)
      if (status === 404) expect(error.message).toMatch(/model 'scripted-model' \(LLM_MODEL\)/)
      expect(upstream.requests(CHAT)).toHaveLength(1)
    })

    it('does not retry a 429 whose quota is exhausted', async () => {
      upstream.on(
        CHAT,
        errorReply(429, {
          error: {
            code: 'insufficient_quota',
            type: 'insufficient_quota',
            message: 'You exceeded your current quota',
          },
        }),
      )
      const error = await failure(compatible().complete(REQUEST, signal()))
      expect(error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(error.message).toMatch(/quota is exhausted/)
      expect(error.message).toContain('You exceeded your current quota')
      expect(error.retryable).toBe(false)
      expect(upstream.requests(CHAT)).toHaveLength(1)
    })

    it.each([401, 403])(
      'does not retry HTTP %i, names LLM_API_KEY and never shows the key',
      async (status) => {
        const apiKey = 'sk-secret-123'
        upstream.on(
          CHAT,
          errorReply(status, {
            error: { message: `Incorrect API key provided: ${apiKey}`, code: 'invalid_api_key' },
          }),
        )
        const provider = createOpenAiProvider(settings({}, { id: 'openai', apiKey }))
        const error = await failure(provider.complete(REQUEST, signal()))
        expect(error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
        expect(error.message).toMatch(
          new RegExp(`rejected the credentials \\(HTTP ${status}\\); check LLM_API_KEY`),
        )
        expect(upstream.requests(CHAT)).toHaveLength(1)
        expect(upstream.requests(CHAT)[0]!.headers.authorization).toBe(`Bearer ${apiKey}`)
        const errors = logger.lines.filter((line) => line.level === 'error')
        expect(errors).toHaveLength(1)
        expect(errors[0]!.message).toMatch(/LLM_API_KEY/)
        expect(error.message).not.toContain(apiKey)
        expect(String(error.cause ?? '')).not.toContain(apiKey)
        expect(logger.text).not.toContain(apiKey)
      },
    )
  })

  describe('unreadable replies', () => {
    it('does not retry a successful status whose body is not the API', async () => {
      upstream.on(CHAT, (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end('<html>captive portal</html>')
      })
      const error = await failure(compatible().complete(REQUEST, signal()))
      expect(error.code).toBe('APP_ERR_PROVIDER_REJECTED')
      expect(error.message).toMatch(/sent a reply that could not be read/)
      expect(error.message).not.toMatch(/HTTP 200/)
      expect(upstream.requests(CHAT)).toHaveLength(1)
    })
  })

  describe('cancellation', () => {
    it('rejects with the abort reason as soon as the caller aborts, and tries no more', async () => {
      upstream.on(CHAT, hang())
      const controller = new AbortController()
      const reason = new Error('the client went away')
      setTimeout(() => controller.abort(reason), 100)
      const start = performance.now()
      await expect(
        compatible({ timeoutMs: 5000 }).complete(REQUEST, controller.signal),
      ).rejects.toBe(reason)
      expect(performance.now() - start).toBeLessThan(2000)
      await sleep(200)
      expect(upstream.requests(CHAT)).toHaveLength(1)
    })

    it('stops waiting between attempts when the caller aborts', async () => {
      upstream.on(CHAT, errorReply(503, undefined, { 'retry-after': '2' }))
      const controller = new AbortController()
      const reason = new Error('cancelled during backoff')
      setTimeout(() => controller.abort(reason), 200)
      const start = performance.now()
      await expect(compatible().complete(REQUEST, controller.signal)).rejects.toBe(reason)
      expect(performance.now() - start).toBeLessThan(1500)
      expect(upstream.requests(CHAT)).toHaveLength(1)
    })

    it('does not call the model when the signal is already aborted', async () => {
      const controller = new AbortController()
      const reason = new Error('already gone')
      controller.abort(reason)
      await expect(compatible().complete(REQUEST, controller.signal)).rejects.toBe(reason)
      expect(upstream.requests(CHAT)).toHaveLength(0)
    })
  })

  describe('replies', () => {
    it('maps the finish reason, usage and answering model, and sends the options', async () => {
      upstream.on(
        CHAT,
        chatReply('def add(a, b):\n', {
          finishReason: 'length',
          promptTokens: 7,
          completionTokens: 3,
          model: 'scripted-model-2025',
        }),
      )
      const completion = await compatible().complete(
        { ...REQUEST, temperature: 0.3, maxOutputTokens: 64 },
        signal(),
      )
      expect(completion).toEqual<Completion>({
        text: 'def add(a, b):\n',
        finishReason: 'length',
        usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 },
        model: 'scripted-model-2025',
        attempts: 1,
      })
      const sent = chatBody(upstream.requests(CHAT)[0]!)
      expect(sent).toMatchObject({ model: MODEL, temperature: 0.3, max_tokens: 64 })
      expect(sent.stream).toBeFalsy()
      expect(sent.messages.map((message) => message.role)).toEqual(['system', 'user'])
    })

    it('uses the model the request names', async () => {
      upstream.on(CHAT, chatReply('ok'))
      const completion = await compatible().complete(
        { ...REQUEST, model: 'scripted-large' },
        signal(),
      )
      expect(completion.model).toBe('scripted-large')
      expect(chatBody(upstream.requests(CHAT)[0]!).model).toBe('scripted-large')
    })

    it('reports a stop as stop', async () => {
      upstream.on(CHAT, chatReply('done'))
      expect((await compatible().complete(REQUEST, signal())).finishReason).toBe('stop')
    })
  })

  describe('streaming', () => {
    const TEXT = 'def add(a: int, b: int) -> int:\n    """Add two numbers."""\n    return a + b\n'

    it('delivers the deltas in order and returns their concatenation', async () => {
      upstream.on(CHAT, chatReply(TEXT, { promptTokens: 12, completionTokens: 8 }))
      const deltas: string[] = []
      const completion = await compatible().complete(
        { ...REQUEST, onText: (delta) => deltas.push(delta) },
        signal(),
      )
      expect(chatBody(upstream.requests(CHAT)[0]!).stream).toBe(true)
      expect(deltas.length).toBeGreaterThan(1)
      expect(deltas.join('')).toBe(TEXT)
      expect(completion).toMatchObject({
        text: TEXT,
        finishReason: 'stop',
        usage: { promptTokens: 12, completionTokens: 8, totalTokens: 20 },
        attempts: 1,
      })
    })

    it('retries a stream that fails before any text arrived', async () => {
      upstream.once(CHAT, errorReply(503))
      upstream.on(CHAT, chatReply(TEXT))
      const deltas: string[] = []
      const completion = await compatible().complete(
        { ...REQUEST, onText: (delta) => deltas.push(delta) },
        signal(),
      )
      expect(completion.attempts).toBe(2)
      expect(deltas.join('')).toBe(TEXT)
    })

    it('does not retry a stream cut after the receiver has seen part of it', async () => {
      upstream.on(CHAT, async (_request, response: ServerResponse) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.write(sseChunk({ role: 'assistant', content: '' }))
        response.write(sseChunk({ content: 'def add(a, b):' }))
        await sleep(50)
        response.socket?.destroy()
      })
      const deltas: string[] = []
      const error = await failure(
        compatible().complete({ ...REQUEST, onText: (delta) => deltas.push(delta) }, signal()),
      )
      expect(error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(deltas).toEqual(['def add(a, b):'])
      await sleep(100)
      expect(upstream.requests(CHAT)).toHaveLength(1)
    })
  })

  describe('Anthropic', () => {
    it('returns the text, usage and a max_tokens stop as length', async () => {
      upstream.on(
        MESSAGES,
        anthropicReply('def add(a, b):\n', {
          finishReason: 'length',
          promptTokens: 11,
          completionTokens: 5,
        }),
      )
      const provider = createAnthropicProvider(
        settings({}, { id: 'anthropic', apiKey: 'sk-ant-test' }),
      )
      const completion = await provider.complete({ ...REQUEST, maxOutputTokens: 32 }, signal())
      expect(completion).toEqual<Completion>({
        text: 'def add(a, b):\n',
        finishReason: 'length',
        usage: { promptTokens: 11, completionTokens: 5, totalTokens: 16 },
        model: MODEL,
        attempts: 1,
      })
      const [sent] = upstream.requests(MESSAGES)
      expect(sent!.headers['x-api-key']).toBe('sk-ant-test')
      expect(sent!.headers['anthropic-version']).toBeTruthy()
      expect(JSON.parse(sent!.body)).toMatchObject({ model: MODEL, max_tokens: 32 })
      expect(upstream.requests(CHAT)).toHaveLength(0)
    })

    it('reports end_turn as stop', async () => {
      upstream.on(MESSAGES, anthropicReply('ok'))
      const provider = createAnthropicProvider(
        settings({}, { id: 'anthropic', apiKey: 'sk-ant-test' }),
      )
      expect((await provider.complete(REQUEST, signal())).finishReason).toBe('stop')
    })

    it('retries 529 overloaded', async () => {
      upstream.once(
        MESSAGES,
        errorReply(529, {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Overloaded' },
        }),
      )
      upstream.on(MESSAGES, anthropicReply('after the overload'))
      const provider = createAnthropicProvider(
        settings({}, { id: 'anthropic', apiKey: 'sk-ant-test' }),
      )
      const completion = await provider.complete(REQUEST, signal())
      expect(completion).toMatchObject({ text: 'after the overload', attempts: 2 })
      expect(upstream.requests(MESSAGES)).toHaveLength(2)
    })

    it('names LLM_API_KEY when the key is refused, without showing it', async () => {
      upstream.on(
        MESSAGES,
        errorReply(401, {
          type: 'error',
          error: { type: 'authentication_error', message: 'invalid x-api-key' },
        }),
      )
      const provider = createAnthropicProvider(
        settings({}, { id: 'anthropic', apiKey: 'sk-ant-secret-789' }),
      )
      const error = await failure(provider.complete(REQUEST, signal()))
      expect(error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(error.message).toMatch(/check LLM_API_KEY/)
      expect(error.message).not.toContain('sk-ant-secret-789')
      expect(logger.text).not.toContain('sk-ant-secret-789')
      expect(upstream.requests(MESSAGES)).toHaveLength(1)
    })
  })

  describe('a hostile upstream, through each client', () => {
    // The lean chat-completions client, and the AI SDK's client over our fetch (OpenAI's).
    const clients = {
      'chat-completions': () =>
        createOpenAiCompatibleProvider(settings({}, { apiKey: HOSTILE_KEY })),
      'AI SDK': () => createOpenAiProvider(settings({}, { id: 'openai', apiKey: HOSTILE_KEY })),
    }
    const cases = Object.entries(clients).flatMap(([client, create]) =>
      [false, true].map((streaming) => ({ client, create, streaming })),
    )
    const request = (streaming: boolean): CompletionRequest =>
      streaming ? { ...REQUEST, onText: () => {} } : REQUEST

    it.each(cases)(
      '$client (streaming: $streaming) fails a huge reply with 502 at the limit, not retried',
      async ({ create, streaming }) => {
        upstream.on(CHAT, hostileReply(streaming ? 'huge-sse' : 'huge-json'))
        const error = await failure(create().complete(request(streaming), signal()))
        expect(error.code).toBe('APP_ERR_PROVIDER_REPLY_TOO_BIG')
        expect(error.status).toBe(502)
        expect(error.message).toContain('LLM_MAX_REPLY_BYTES (65536 bytes)')
        expect(upstream.requests(CHAT)).toHaveLength(1)
      },
    )

    it.each(cases.filter((item) => item.streaming))(
      '$client fails an event line that never ends',
      async ({ create }) => {
        upstream.on(CHAT, hostileReply('endless-line'))
        const error = await failure(create().complete(request(true), signal()))
        expect(error.code).toBe('APP_ERR_PROVIDER_REPLY_TOO_BIG')
      },
    )

    it.each(
      cases.flatMap((item) =>
        (['error-200-json', 'error-200-sse', 'key-in-text-200', 'key-in-html-200'] as const).map(
          (mode) => ({ ...item, mode }),
        ),
      ),
    )(
      '$client (streaming: $streaming) answers $mode with 502, never quoting the key',
      async ({ client, create, streaming, mode }) => {
        upstream.on(CHAT, hostileReply(mode))
        const error = await failure(create().complete(request(streaming), signal()))
        // The AI SDK reads an error event before any output as the HTTP status it implies
        // (500 when it names none), and retries it as such.
        const sdkStreamError = client === 'AI SDK' && streaming && mode === 'error-200-sse'
        expect(error.status).toBe(sdkStreamError ? 503 : 502)
        expect(error.message).not.toContain(HOSTILE_KEY)
        expect(error.message).not.toContain('sk-test-hostile')
        expect(logger.text).not.toContain(HOSTILE_KEY)
        expect(upstream.requests(CHAT)).toHaveLength(sdkStreamError ? 3 : 1)
      },
    )

    it.each(cases)(
      '$client (streaming: $streaming) answers truncated JSON with 502, not as a network failure',
      async ({ create, streaming }) => {
        upstream.on(CHAT, hostileReply('truncated-json'))
        const error = await failure(create().complete(request(streaming), signal()))
        expect(error.code).toBe('APP_ERR_PROVIDER_REJECTED')
        expect(error.message).toMatch(/could not be read/)
        expect(error.message).not.toMatch(/Cannot reach/)
        expect(upstream.requests(CHAT)).toHaveLength(1)
      },
    )

    it.each(
      cases.flatMap((item) =>
        (['usage-negative', 'usage-fractional', 'usage-huge', 'model-long'] as HostileMode[]).map(
          (mode) => ({ ...item, mode }),
        ),
      ),
    )(
      '$client (streaming: $streaming) turns $mode into 0 tokens or the asked model',
      async ({ create, streaming, mode }) => {
        upstream.on(CHAT, hostileReply(mode, { text: 'x = 1\n' }))
        const completion = await create().complete(request(streaming), signal())
        expect(completion.text).toBe('x = 1\n')
        if (mode === 'model-long') {
          expect(completion.model).toBe(MODEL)
        } else {
          expect(completion.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0 })
        }
        const warnings = logger.lines.filter((line) => line.level === 'warn')
        expect(warnings.map((line) => line.message)).toContain(
          'the model provider sent malformed fields; they were replaced',
        )
      },
    )
  })
})
