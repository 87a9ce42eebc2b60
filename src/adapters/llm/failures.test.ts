import { APICallError } from '@ai-sdk/provider'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors.js'
import {
  classifyFailure,
  ReplyErrorObjectError,
  ReplyTooLargeError,
  retryAfterMs,
  UnreadableReplyError,
  type CallTarget,
} from './failures.js'

const TARGET: CallTarget = {
  provider: 'openai',
  baseUrl: 'https://api.example.com/v1',
  model: 'gpt-test',
  timeoutMs: 1500,
}

function apiError(
  statusCode: number | undefined,
  body?: unknown,
  headers?: Record<string, string>,
  extra: { cause?: unknown; isRetryable?: boolean; message?: string } = {},
): APICallError {
  return new APICallError({
    message: extra.message ?? `scripted ${statusCode}`,
    url: `${TARGET.baseUrl}/chat/completions`,
    requestBodyValues: { model: TARGET.model },
    statusCode,
    responseHeaders: headers,
    responseBody:
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    cause: extra.cause,
    ...(extra.isRetryable !== undefined ? { isRetryable: extra.isRetryable } : {}),
  })
}

/** A fetch failure as undici raises it: a TypeError whose cause carries the system code. */
function fetchFailure(code: string): Error {
  const cause = Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code })
  return new TypeError('fetch failed', { cause })
}

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')

  it('reads Retry-After in seconds, whole or fractional', () => {
    expect(retryAfterMs({ 'retry-after': '2' }, now)).toBe(2000)
    expect(retryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500)
    expect(retryAfterMs({ 'retry-after': ' 3 ' }, now)).toBe(3000)
    expect(retryAfterMs({ 'retry-after': '0' }, now)).toBe(0)
  })

  it('reads Retry-After as an HTTP date, relative to now', () => {
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, now)).toBe(30_000)
  })

  it('never returns a negative wait', () => {
    expect(retryAfterMs({ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, now)).toBe(0)
    expect(retryAfterMs({ 'retry-after': '-5' }, now)).toBe(0)
    expect(retryAfterMs({ 'retry-after-ms': '-100' }, now)).toBe(0)
  })

  it("reads OpenAI's retry-after-ms, before Retry-After", () => {
    expect(retryAfterMs({ 'retry-after-ms': '300' }, now)).toBe(300)
    expect(retryAfterMs({ 'retry-after-ms': '250.5' }, now)).toBe(250.5)
    expect(retryAfterMs({ 'retry-after-ms': '300', 'retry-after': '1' }, now)).toBe(300)
  })

  it('falls back to Retry-After when retry-after-ms is not a number', () => {
    expect(retryAfterMs({ 'retry-after-ms': 'soon', 'retry-after': '4' }, now)).toBe(4000)
    expect(retryAfterMs({ 'retry-after-ms': 'soon' }, now)).toBeNull()
  })

  it('is null when absent', () => {
    expect(retryAfterMs(undefined, now)).toBeNull()
    expect(retryAfterMs({}, now)).toBeNull()
    expect(retryAfterMs({ 'content-type': 'application/json' }, now)).toBeNull()
  })

  it('is null for garbage', () => {
    expect(retryAfterMs({ 'retry-after': 'later, maybe' }, now)).toBeNull()
    expect(retryAfterMs({ 'retry-after': '' }, now)).toBeNull()
    expect(retryAfterMs({ 'retry-after': '   ' }, now)).toBeNull()
  })

  it('uses the current time by default', () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString()
    const wait = retryAfterMs({ 'retry-after': inAMinute })
    expect(wait).toBeGreaterThan(55_000)
    expect(wait).toBeLessThanOrEqual(60_000)
  })
})

describe('classifyFailure', () => {
  it('reports a timed-out attempt as a retryable timeout naming LLM_TIMEOUT_MS', () => {
    const cause = new DOMException('The operation timed out', 'TimeoutError')
    const failure = classifyFailure(cause, TARGET, true)
    expect(failure).toMatchObject({ retryable: true, retryAfterMs: null, credentials: false })
    expect(failure.error).toBeInstanceOf(AppError)
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_TIMEOUT')
    expect(failure.error.status).toBe(504)
    expect(failure.error.message).toBe(
      'The openai provider at https://api.example.com did not answer within 1500 ms (LLM_TIMEOUT_MS)',
    )
    expect(failure.error.cause).toBeUndefined()
  })

  it('prefers the timeout over whatever error the abort produced', () => {
    const failure = classifyFailure(apiError(500), TARGET, true)
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_TIMEOUT')
  })

  it.each([401, 403])(
    'reports refused credentials (HTTP %i) once, naming LLM_API_KEY',
    (status) => {
      const failure = classifyFailure(
        apiError(status, { error: { message: 'Incorrect API key provided: sk-abc***xyz' } }),
        TARGET,
        false,
      )
      expect(failure).toMatchObject({ retryable: false, credentials: true, retryAfterMs: null })
      expect(failure.error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(failure.error.message).toBe(
        `The openai provider at https://api.example.com rejected the credentials (HTTP ${status}); check LLM_API_KEY`,
      )
      // The upstream's explanation may echo the key: it is left out, cause included (loggers
      // print a cause's message).
      expect(failure.error.message).not.toContain('sk-abc')
      expect(failure.error.cause).toBeUndefined()
    },
  )

  it.each([
    { error: { code: 'insufficient_quota', message: 'You exceeded your current quota' } },
    { error: { message: 'Your credit balance is too low' } },
    { error: { message: 'Check your plan and billing details' } },
  ])('does not retry a 429 whose quota is exhausted (%j)', (body) => {
    const failure = classifyFailure(apiError(429, body, { 'retry-after': '20' }), TARGET, false)
    expect(failure).toMatchObject({ retryable: false, credentials: false, retryAfterMs: null })
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
    expect(failure.error.message).toMatch(/quota is exhausted \(HTTP 429: .+\); check the plan/)
  })

  it('retries a rate limit, keeping the wait it asked for and passing it on', () => {
    const failure = classifyFailure(
      apiError(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '2' }),
      TARGET,
      false,
    )
    expect(failure).toMatchObject({ retryable: true, retryAfterMs: 2000, credentials: false })
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
    expect(failure.error.retryable).toBe(true)
    expect(failure.error.headers).toEqual({ 'retry-after': '2' })
    expect(failure.error.message).toBe(
      'The openai provider at https://api.example.com is rate limiting requests (HTTP 429: Rate limit reached); try again later',
    )
  })

  it('rounds a wait in milliseconds up to whole seconds for the Retry-After it passes on', () => {
    const failure = classifyFailure(
      apiError(429, undefined, { 'retry-after-ms': '1200' }),
      TARGET,
      false,
    )
    expect(failure.retryAfterMs).toBe(1200)
    expect(failure.error.headers).toEqual({ 'retry-after': '2' })
    const tiny = classifyFailure(
      apiError(503, undefined, { 'retry-after-ms': '10' }),
      TARGET,
      false,
    )
    expect(tiny.error.headers).toEqual({ 'retry-after': '1' })
  })

  it('passes on no Retry-After when the provider gave none', () => {
    const failure = classifyFailure(apiError(502), TARGET, false)
    expect(failure.retryAfterMs).toBeNull()
    expect(failure.error.headers).toEqual({})
  })

  it.each([
    [408, 'is failing'],
    [409, 'is failing'],
    [500, 'is failing'],
    [502, 'is failing'],
    [504, 'is failing'],
    [503, 'is overloaded'],
    [529, 'is overloaded'],
  ])('retries HTTP %i (%s)', (status, what) => {
    const failure = classifyFailure(apiError(status), TARGET, false)
    expect(failure).toMatchObject({ retryable: true, credentials: false })
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
    expect(failure.error.message).toContain(`${what} (HTTP ${status}`)
  })

  it.each([400, 404, 405, 413, 422])('does not retry HTTP %i', (status) => {
    const failure = classifyFailure(
      apiError(status, { error: { message: 'bad request' } }),
      TARGET,
      false,
    )
    expect(failure).toMatchObject({ retryable: false, credentials: false, retryAfterMs: null })
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_REJECTED')
    expect(failure.error.status).toBe(502)
    expect(failure.error.message).toContain(`refused the request (HTTP ${status}: bad request)`)
  })

  it('suggests checking LLM_MODEL on a 404', () => {
    const failure = classifyFailure(
      apiError(404, { error: { message: 'The model does not exist' } }),
      TARGET,
      false,
    )
    expect(failure.error.message).toBe(
      "The openai provider at https://api.example.com refused the request (HTTP 404: The model does not exist); check that it serves model 'gpt-test' (LLM_MODEL)",
    )
  })

  describe("the upstream's explanation", () => {
    const said = (body: unknown) =>
      classifyFailure(apiError(400, body), TARGET, false).error.message

    it('is read from error.message, a string error, or a top-level message', () => {
      expect(said({ error: { message: 'from error.message' } })).toContain(
        '(HTTP 400: from error.message)',
      )
      expect(said({ error: 'a plain string' })).toContain('(HTTP 400: a plain string)')
      expect(said({ message: 'top level' })).toContain('(HTTP 400: top level)')
    })

    it('is the raw body when that is not JSON, with whitespace collapsed', () => {
      expect(said('Bad   gateway\n\n  upstream')).toContain('(HTTP 400: Bad gateway upstream)')
    })

    it('is shortened to 200 characters', () => {
      const message = said({ error: { message: 'x'.repeat(500) } })
      expect(message).toContain(`(HTTP 400: ${'x'.repeat(200)}…)`)
      expect(message).not.toContain('x'.repeat(201))
    })

    it('is left out when the body is empty', () => {
      expect(said(undefined)).toContain('refused the request (HTTP 400)')
      expect(said('')).toContain('refused the request (HTTP 400)')
    })
  })

  it('names only the origin of the base URL, never its path or query', () => {
    const failure = classifyFailure(
      apiError(500),
      { ...TARGET, baseUrl: 'https://proxy.example.com/v1?api-key=sk-in-the-url' },
      false,
    )
    expect(failure.error.message).toContain('https://proxy.example.com ')
    expect(failure.error.message).not.toContain('sk-in-the-url')
  })

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET'])(
    'retries a network failure (%s), naming it and LLM_BASE_URL',
    (code) => {
      const failure = classifyFailure(fetchFailure(code), TARGET, false)
      expect(failure).toMatchObject({ retryable: true, credentials: false, retryAfterMs: null })
      expect(failure.error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
      expect(failure.error.message).toBe(
        `Cannot reach openai provider at https://api.example.com (${code}); check LLM_BASE_URL and that the server is running`,
      )
    },
  )

  it('finds the network reason inside the AI SDK wrapper', () => {
    const wrapped = apiError(undefined, undefined, undefined, {
      message: 'Cannot connect to API: connect ECONNREFUSED',
      cause: fetchFailure('ECONNREFUSED').cause,
      isRetryable: true,
    })
    const failure = classifyFailure(wrapped, TARGET, false)
    expect(failure.retryable).toBe(true)
    expect(failure.error.message).toContain('(ECONNREFUSED)')
  })

  it('reads a dropped socket from its code', () => {
    const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    const failure = classifyFailure(hangUp, TARGET, false)
    expect(failure.retryable).toBe(true)
    expect(failure.error.message).toContain('(ECONNRESET)')
  })

  it.each([
    new SyntaxError('Unterminated string in JSON at position 24'),
    new Error('terminated'),
    new Error('socket hang up'),
  ])('never takes the words of a message without a code for a network failure: %s', (error) => {
    const failure = classifyFailure(error, TARGET, false)
    expect(failure).toMatchObject({ retryable: false })
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_REJECTED')
    expect(failure.error.message).not.toMatch(/Cannot reach/)
  })

  it('retries a retryable SDK error without a status, quoting its message', () => {
    const error = apiError(undefined, undefined, undefined, {
      message: 'Cannot connect to API: something odd',
      isRetryable: true,
    })
    const failure = classifyFailure(error, TARGET, false)
    expect(failure.retryable).toBe(true)
    expect(failure.error.message).toContain('(Cannot connect to API: something odd)')
  })

  it('treats a connection dropped while reading a 200 reply as a network failure', () => {
    const terminated = new TypeError('terminated', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    })
    const error = apiError(200, undefined, undefined, {
      message: 'Failed to process successful response',
      cause: terminated,
      isRetryable: true,
    })
    const failure = classifyFailure(error, TARGET, false)
    expect(failure).toMatchObject({ retryable: true, credentials: false })
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
    expect(failure.error.message).not.toContain('HTTP 200')
  })

  it('does not retry a 200 reply that cannot be read', () => {
    const error = apiError(200, '<html>', undefined, { message: 'Invalid JSON response' })
    const failure = classifyFailure(error, TARGET, false)
    expect(failure).toMatchObject({ retryable: false, credentials: false })
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_REJECTED')
    expect(failure.error.message).toBe(
      'The openai provider at https://api.example.com sent a reply that could not be read (Invalid JSON response)',
    )
  })

  it('does not retry anything else, nor quote what a parse error quotes of the reply', () => {
    const parseError = new SyntaxError(`Unexpected token 'I', "Invalid ke"... is not valid JSON`)
    const failure = classifyFailure(parseError, TARGET, false)
    expect(failure).toMatchObject({ retryable: false, credentials: false })
    expect(failure.error.code).toBe('APP_ERR_PROVIDER_REJECTED')
    expect(failure.error.message).toContain('could not be read (the reply is not JSON)')
    expect(failure.error.message).not.toContain('Invalid ke')
    expect(classifyFailure('a string', TARGET, false).error.code).toBe('APP_ERR_PROVIDER_REJECTED')
  })

  it('never repeats a key the provider quotes back, nor keeps the request as a cause', () => {
    const error = new APICallError({
      message: 'Bad Request',
      url: 'http://127.0.0.1:1/v1/chat/completions',
      requestBodyValues: { messages: [{ role: 'user', content: 'the secret prompt' }] },
      statusCode: 400,
      responseBody: JSON.stringify({ error: { message: 'Key sk-abc123def456ghi is not allowed' } }),
    })
    const failure = classifyFailure(error, TARGET, false)
    expect(failure.error.message).toContain('[redacted]')
    expect(failure.error.message).not.toContain('sk-abc123def456ghi')
    expect(failure.error.cause).toBeUndefined()
    expect(JSON.stringify(failure.error)).not.toContain('secret prompt')
  })

  describe('replies with a successful status', () => {
    it('fails a reply over LLM_MAX_REPLY_BYTES with its own code, not retried', () => {
      const failure = classifyFailure(new ReplyTooLargeError('reply', 4096), TARGET, false)
      expect(failure).toMatchObject({ retryable: false, credentials: false })
      expect(failure.error.code).toBe('APP_ERR_PROVIDER_REPLY_TOO_BIG')
      expect(failure.error.status).toBe(502)
      expect(failure.error.message).toBe(
        'The openai provider at https://api.example.com sent a reply larger than LLM_MAX_REPLY_BYTES (4096 bytes); the reply was not read further',
      )
    })

    it('finds a reply too large inside the AI SDK wrapper, and names an endless line', () => {
      const wrapped = new TypeError('stream failed', { cause: new ReplyTooLargeError('event', 99) })
      const failure = classifyFailure(wrapped, TARGET, false)
      expect(failure.error.code).toBe('APP_ERR_PROVIDER_REPLY_TOO_BIG')
      expect(failure.error.message).toContain('an event line longer than 99 bytes')
    })

    it('quotes an error object sent with 200 without the key it quotes, whatever its shape', () => {
      const key = 'plain-configured-secret'
      const target = { ...TARGET, apiKey: key }
      for (const error of [
        new ReplyErrorObjectError(`Incorrect API key provided: ${key}`),
        { type: 'error', error: { type: 'authentication_error', message: `bad key ${key}` } },
      ]) {
        const failure = classifyFailure(error, target, false)
        expect(failure).toMatchObject({ retryable: false })
        expect(failure.error.code).toBe('APP_ERR_PROVIDER_REJECTED')
        expect(failure.error.message).toMatch(
          /reported an error in a successful reply: .*\[redacted\]/,
        )
        expect(failure.error.message).not.toContain(key)
      }
    })

    it('says what an unreadable body is, in its own words', () => {
      const error = new UnreadableReplyError('the reply is not JSON (text/html, 1234 bytes)')
      expect(classifyFailure(error, TARGET, false).error.message).toBe(
        'The openai provider at https://api.example.com sent a reply that could not be read (the reply is not JSON (text/html, 1234 bytes))',
      )
    })

    it('removes a key from the content type an unreadable body names', () => {
      const error = new UnreadableReplyError('the reply is not JSON (sk-typed-key-123456, 9 bytes)')
      expect(classifyFailure(error, TARGET, false).error.message).toContain(
        '(the reply is not JSON ([redacted], 9 bytes))',
      )
    })
  })
})
