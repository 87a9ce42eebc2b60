import { APICallError } from '@ai-sdk/provider'
import { AppError } from '../../errors.js'

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

/** The provider's own explanation from an error body, shortened; never the request. */
function upstreamMessage(body: string | undefined): string {
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
  const text = message
    .replace(/\b(?:sk|key|api)[-_][A-Za-z0-9_-]{6,}/gi, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

function quotaExhausted(body: string | undefined): boolean {
  return /insufficient_quota|billing|quota (?:has been )?exceeded|credit balance/i.test(body ?? '')
}

/** The network reason behind a failed fetch, such as `ECONNREFUSED` or `socket hang up`. */
function networkReason(error: unknown): string | null {
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && /^E[A-Z]+|^UND_ERR/.test(code)) return code
    if (typeof message === 'string' && /socket hang up|terminated|other side closed/i.test(message))
      return message
    current = (current as { cause?: unknown }).cause
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
  if (APICallError.isInstance(error) && error.statusCode !== undefined && error.statusCode >= 400) {
    const status = error.statusCode
    const said = upstreamMessage(error.responseBody)
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
        `Cannot reach ${who.slice(4)} (${reason ?? (error as Error).message}); check LLM_BASE_URL and that the server is running`,
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
      `${who} sent a reply that could not be read (${(error as Error)?.message ?? String(error)})`,
    ),
    retryable: false,
    retryAfterMs: null,
    credentials: false,
  }
}
