import { APICallError, JSONParseError, TypeValidationError } from '@ai-sdk/provider'
import { AppError } from '../../errors.js'
import { redact } from '../../redact.js'

/** What went wrong with one HTTP attempt, and whether trying again may help. */
export interface Failure {
  error: AppError
  retryable: boolean
  /** The wait the provider asked for (`Retry-After`, `retry-after-ms`), in milliseconds. */
  retryAfterMs: number | null
  /** Credentials were refused: worth a log line of its own, since every call will fail. */
  credentials: boolean
}

/** Where the call went, for details a person can act on. */
export interface CallTarget {
  provider: string
  baseUrl: string
  model: string
  timeoutMs: number
  /** The key the calls carry: removed from anything the provider says, like every other secret. */
  apiKey?: string | null
}

/** A reply, or one event line of it, that grew past its limit; the read was stopped there. */
export class ReplyTooLargeError extends Error {
  constructor(
    readonly what: 'reply' | 'event',
    readonly limitBytes: number,
  ) {
    super(`the ${what === 'reply' ? 'reply' : 'event line'} exceeded ${limitBytes} bytes`)
    this.name = 'ReplyTooLargeError'
  }
}

/**
 * A successful status whose body is not a usable reply. The message is ours, a summary such as
 * "the reply is not JSON (text/html, 1234 bytes)": never the body, which may quote anything.
 */
export class UnreadableReplyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnreadableReplyError'
  }
}

/** An error object a provider sent with a successful status (some do, even in a stream). */
export class ReplyErrorObjectError extends Error {
  constructor(readonly providerMessage: string) {
    super('the provider reported an error')
    this.name = 'ReplyErrorObjectError'
  }
}

const RETRYABLE_STATUSES = new Set([408, 409, 429, 529])

/** `Retry-After` as seconds or an HTTP date, or OpenAI's `retry-after-ms`; null when absent. */
export function retryAfterMs(
  headers: Record<string, string> | undefined,
  now = Date.now(),
): number | null {
  if (!headers) return null
  const milliseconds = Number(headers['retry-after-ms'])
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(milliseconds)) {
    return Math.max(0, milliseconds)
  }
  const value = headers['retry-after']
  if (value === undefined) return null
  const seconds = Number(value)
  if (value.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

/** Upstream text made fit to quote: secrets removed, whitespace collapsed, 200 characters. */
function quotable(text: string, target: CallTarget): string {
  const clean = redact(text.replace(/\s+/g, ' ').trim(), [target.apiKey])
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean
}

/** The provider's own explanation from an error body, shortened; never the request. */
function upstreamMessage(body: string | undefined, target: CallTarget): string {
  if (!body) return ''
  let message = body
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } | string; message?: string }
    message =
      (typeof parsed.error === 'string' ? parsed.error : parsed.error?.message) ??
      parsed.message ??
      body
  } catch {
    // not JSON: the raw text is the explanation
  }
  // A provider may quote the key it refused ("Incorrect API key provided: sk-…").
  return typeof message === 'string' ? quotable(message, target) : ''
}

function quotaExhausted(body: string | undefined): boolean {
  return /insufficient_quota|billing|quota (?:has been )?exceeded|credit balance/i.test(body ?? '')
}

/**
 * System error codes (`ECONNRESET`, `EAI_AGAIN`; not Node's own `ERR_*`), undici's socket errors,
 * and a stream closed before its end.
 */
const NETWORK_CODE = /^E(?!RR_)[A-Z_]+$|^UND_ERR_|^ERR_STREAM_PREMATURE_CLOSE$/

/** `error` and its causes, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = []
  for (let current = error; current && chain.length < 6;) {
    chain.push(current)
    current = (current as { cause?: unknown }).cause
  }
  return chain
}

/**
 * The network reason behind a failed call: a system or undici error code such as `ECONNREFUSED`,
 * `ECONNRESET` (also Node's "socket hang up") or `UND_ERR_SOCKET`. Only codes count: the words
 * of a message are no evidence (a parse error saying "Unterminated string" is not a network
 * failure).
 */
function networkReason(error: unknown): string | null {
  for (const cause of causes(error)) {
    const { code } = cause as { code?: unknown }
    if (typeof code === 'string' && NETWORK_CODE.test(code)) return code
  }
  return null
}

/**
 * What was wrong with a reply that came with a successful status, in our words: the messages of
 * parse errors quote the text they failed on, which may be anything the upstream sent.
 */
function unreadable(error: unknown, target: CallTarget): string {
  for (const cause of causes(error)) {
    // Ours, but it names the content type the upstream chose.
    if (cause instanceof UnreadableReplyError) return quotable(cause.message, target)
    if (JSONParseError.isInstance(cause) || cause instanceof SyntaxError) {
      return 'the reply is not JSON'
    }
    if (TypeValidationError.isInstance(cause)) {
      return "the reply does not have the API's fields"
    }
  }
  if (error instanceof Error) return quotable(error.message, target)
  return 'an unexpected value was raised'
}

/** The message of an error object in a reply: an SDK stream's error part, or one of ours. */
function reportedError(error: unknown): string | null {
  if (error instanceof ReplyErrorObjectError) return error.providerMessage
  if (error && typeof error === 'object' && !(error instanceof Error)) {
    const { error: inner, message } = error as { error?: { message?: unknown }; message?: unknown }
    const text = inner?.message ?? message
    return typeof text === 'string' ? text : 'an error without a message'
  }
  return null
}

/**
 * Translates one failed attempt into the API's error and a retry decision: connection errors,
 * timeouts, 408, 409, 429 (unless the quota is exhausted), 5xx and 529 are worth retrying;
 * other 4xx are not. The errors carry no cause: the client's error holds the request body (the
 * prompt) and a refusal may echo the key, and the error log prints causes.
 */
export function classifyFailure(error: unknown, target: CallTarget, timedOut: boolean): Failure {
  const origin = new URL(target.baseUrl).origin
  const who = `The ${target.provider} provider at ${origin}`
  if (timedOut) {
    return {
      error: new AppError(
        'APP_ERR_PROVIDER_TIMEOUT',
        `${who} did not answer within ${target.timeoutMs} ms (LLM_TIMEOUT_MS)`,
        { retryable: true },
      ),
      retryable: true,
      retryAfterMs: null,
      credentials: false,
    }
  }
  // The SDK also reports a failure to read a *successful* reply (connection dropped mid-body,
  // a body that is not the API's JSON) as an APICallError carrying that 2xx status: it is not a
  // refusal, so only error statuses take this branch; the rest fall through to the checks below.
  const tooLarge = causes(error).find((cause) => cause instanceof ReplyTooLargeError)
  if (tooLarge) {
    const { what, limitBytes } = tooLarge as ReplyTooLargeError
    const detail =
      what === 'reply'
        ? `a reply larger than LLM_MAX_REPLY_BYTES (${limitBytes} bytes)`
        : `an event line longer than ${limitBytes} bytes`
    return {
      error: new AppError(
        'APP_ERR_PROVIDER_REPLY_TOO_BIG',
        `${who} sent ${detail}; the reply was not read further`,
      ),
      retryable: false,
      retryAfterMs: null,
      credentials: false,
    }
  }
  const reported = reportedError(error)
  if (reported !== null) {
    return {
      error: new AppError(
        'APP_ERR_PROVIDER_REJECTED',
        `${who} reported an error in a successful reply: ${quotable(reported, target)}`,
      ),
      retryable: false,
      retryAfterMs: null,
      credentials: false,
    }
  }
  if (APICallError.isInstance(error) && error.statusCode !== undefined && error.statusCode >= 400) {
    const status = error.statusCode
    const said = upstreamMessage(error.responseBody, target)
    const suffix = said ? `: ${said}` : ''
    const wait = retryAfterMs(error.responseHeaders)
    if (status === 401 || status === 403) {
      return {
        error: new AppError(
          'APP_ERR_PROVIDER_UNAVAILABLE',
          `${who} rejected the credentials (HTTP ${status}); check LLM_API_KEY`,
        ),
        retryable: false,
        retryAfterMs: null,
        credentials: true,
      }
    }
    if (status === 429 && quotaExhausted(error.responseBody)) {
      return {
        error: new AppError(
          'APP_ERR_PROVIDER_UNAVAILABLE',
          `${who} reports the account's quota is exhausted (HTTP 429${suffix}); check the plan and billing of the API key`,
        ),
        retryable: false,
        retryAfterMs: null,
        credentials: false,
      }
    }
    if (RETRYABLE_STATUSES.has(status) || status >= 500) {
      const what =
        status === 429
          ? 'is rate limiting requests'
          : status === 529 || status === 503
            ? 'is overloaded'
            : 'is failing'
      const headers: Record<string, string> =
        wait !== null ? { 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) } : {}
      return {
        error: new AppError(
          'APP_ERR_PROVIDER_UNAVAILABLE',
          `${who} ${what} (HTTP ${status}${suffix}); try again later`,
          { retryable: true, headers },
        ),
        retryable: true,
        retryAfterMs: wait,
        credentials: false,
      }
    }
    const hint = status === 404 ? `; check that it serves model '${target.model}' (LLM_MODEL)` : ''
    return {
      error: new AppError(
        'APP_ERR_PROVIDER_REJECTED',
        `${who} refused the request (HTTP ${status}${suffix})${hint}`,
      ),
      retryable: false,
      retryAfterMs: null,
      credentials: false,
    }
  }
  const reason = networkReason(error)
  if (reason || (APICallError.isInstance(error) && error.isRetryable)) {
    return {
      error: new AppError(
        'APP_ERR_PROVIDER_UNAVAILABLE',
        `Cannot reach ${who.slice(4)} (${reason ?? quotable((error as Error).message, target)}); check LLM_BASE_URL and that the server is running`,
        { retryable: true },
      ),
      retryable: true,
      retryAfterMs: null,
      credentials: false,
    }
  }
  return {
    error: new AppError(
      'APP_ERR_PROVIDER_REJECTED',
      `${who} sent a reply that could not be read (${unreadable(error, target)})`,
    ),
    retryable: false,
    retryAfterMs: null,
    credentials: false,
  }
}
