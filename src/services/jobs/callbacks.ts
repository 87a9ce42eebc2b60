import { createHmac, randomUUID } from 'node:crypto'
import { AppError } from '../../errors.js'
import { systemClock, type Clock } from '../../ports/clock.js'
import type { Logger } from '../../ports/logger.js'
import type { WebhookSender } from '../../ports/webhook-sender.js'

/** The longest `callback_url` accepted, as browsers and most servers bound a URL. */
export const MAX_CALLBACK_URL_LENGTH = 2048

/** The events a callback announces. */
export type CallbackEvent = 'job.completed' | 'job.failed'

const WHAT_TO_DO = 'the operator lists allowed hosts in WEBHOOK_ALLOWED_HOSTS'

function notAllowed(detail: string): AppError {
  return new AppError('APP_ERR_CALLBACK_NOT_ALLOWED', detail)
}

/** A value quoted in an error message, cut short: a hostile URL can be 2 KB of noise. */
function quoted(value: string): string {
  return `'${value.length > 100 ? `${value.slice(0, 100)}…` : value}'`
}

/**
 * Whether `host` (lower case, no trailing dot) is one of `allowedHosts`: equal to an entry, or a
 * subdomain of a `*.example.com` entry (never `example.com` itself). Entries are compared case-
 * insensitively and without a trailing dot, as DNS does.
 */
export function isAllowedHost(host: string, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((entry) => {
    const pattern = entry.toLowerCase().replace(/\.$/, '')
    if (!pattern.startsWith('*.')) return host === pattern
    const parent = pattern.slice(1)
    return host.endsWith(parent) && host.length > parent.length
  })
}

/**
 * The normalised form of a client's `callback_url` (its host in lower-case punycode without a
 * trailing dot, no fragment), or an `AppError('APP_ERR_CALLBACK_NOT_ALLOWED')` (422) naming why:
 * callbacks are off, the URL is too long or does not parse, its scheme is not http or https, it
 * carries credentials, or its host is not in `allowedHosts`. The host is read the way the sender
 * will read it (WHATWG URL), so `http://allowed.example.com@evil.com/` is a URL of evil.com.
 */
export function checkCallbackUrl(url: string, allowedHosts: readonly string[]): string {
  if (allowedHosts.length === 0) {
    throw notAllowed('callbacks are off: set WEBHOOK_ALLOWED_HOSTS and WEBHOOK_SECRET')
  }
  if (url.length > MAX_CALLBACK_URL_LENGTH) {
    throw notAllowed(`callback_url is longer than ${MAX_CALLBACK_URL_LENGTH} characters`)
  }
  // The URL parser silently drops tabs and newlines and trims spaces; refuse them instead.
  if ([...url].some((character) => character <= ' ' || character === '\u007f')) {
    throw notAllowed('callback_url contains spaces or control characters')
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw notAllowed(`callback_url ${quoted(url)} is not an absolute URL`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw notAllowed(`callback_url scheme ${quoted(parsed.protocol)} is not http or https`)
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw notAllowed('callback_url must not carry a user name or password')
  }
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '')
  if (!isAllowedHost(host, allowedHosts)) {
    throw notAllowed(`callback_url host ${quoted(host)} is not allowed; ${WHAT_TO_DO}`)
  }
  parsed.hostname = host
  parsed.hash = ''
  return parsed.href
}

/** `sha256=<hex>`: the HMAC-SHA256 of the raw body under `secret`, sent as `X-Verigen-Signature`. */
export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`
}

/** Settings of {@link CallbackDelivery}; the defaults suit a receiver that is down a minute. */
export interface CallbackSettings {
  /** The HMAC key (WEBHOOK_SECRET); null turns delivery off. */
  secret: string | null
  /** WEBHOOK_ALLOWED_HOSTS, checked again at delivery (the setting may have changed since). */
  allowedHosts: readonly string[]
  /** Attempts at most, the first included. */
  attempts?: number
  /** Wait before the first retry; it doubles at each retry, with jitter, up to {@link maxDelayMs}. */
  baseDelayMs?: number
  /** The longest wait between two attempts, `Retry-After` included. */
  maxDelayMs?: number
  /** Time one attempt may take. */
  timeoutMs?: number
}

/** Statuses after which the same delivery may succeed later. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

/**
 * Delivers the callbacks of finished jobs: one JSON body, signed once, POSTed to the job's
 * `callback_url` with `X-Verigen-Signature`, `X-Verigen-Event` and `X-Verigen-Delivery` (one id for
 * all the attempts of a delivery, so that a receiver can drop duplicates). Network errors,
 * timeouts, 408, 429 and 5xx are retried with exponential backoff; a 3xx or another 4xx ends the
 * delivery. Failures are logged with the job id and host, never the secret, signature or body.
 */
export class CallbackDelivery {
  private readonly attempts: number
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly timeoutMs: number
  private readonly stopping = new AbortController()

  constructor(
    private readonly sender: WebhookSender,
    private readonly settings: CallbackSettings,
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.attempts = Math.max(1, settings.attempts ?? 6)
    this.baseDelayMs = Math.max(0, settings.baseDelayMs ?? 1000)
    this.maxDelayMs = Math.max(0, settings.maxDelayMs ?? 60_000)
    this.timeoutMs = Math.max(1, settings.timeoutMs ?? 10_000)
  }

  /**
   * Delivers `payload` as `event` to `url`; resolves with whether the receiver took it (a 2xx).
   * The job id logged is the payload's `job_id` (or `id`). Never rejects.
   */
  async deliver(url: string, event: CallbackEvent, payload: object): Promise<boolean> {
    const jobId = jobIdOf(payload)
    try {
      return await this.attemptAll(url, event, payload, jobId)
    } catch (error) {
      this.logger.error({ jobId, event, error: describe(error) }, 'callback delivery broke')
      return false
    }
  }

  /** Aborts the attempts running and the retries waiting: the process is stopping. */
  close(): void {
    this.stopping.abort(new Error('callback delivery closed'))
  }

  private async attemptAll(
    url: string,
    event: CallbackEvent,
    payload: object,
    jobId: string | undefined,
  ): Promise<boolean> {
    const { secret } = this.settings
    if (secret === null || secret === '') {
      this.logger.warn({ jobId, event }, 'callback not sent: WEBHOOK_SECRET is not set')
      return false
    }
    let target: string
    try {
      target = checkCallbackUrl(url, this.settings.allowedHosts)
    } catch (error) {
      this.logger.warn({ jobId, event, error: describe(error) }, 'callback not sent')
      return false
    }
    const host = new URL(target).host
    const body = JSON.stringify(payload)
    const headers = {
      'X-Verigen-Signature': sign(body, secret),
      'X-Verigen-Event': event,
      'X-Verigen-Delivery': randomUUID(),
    }
    const context = { jobId, host, event, delivery: headers['X-Verigen-Delivery'] }
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (this.stopping.signal.aborted) return false
      let retryAfterMs: number | null = null
      try {
        const answer = await this.sender.post(target, body, headers, {
          timeoutMs: this.timeoutMs,
          signal: this.stopping.signal,
        })
        if (answer.status >= 200 && answer.status < 300) {
          this.logger.info({ ...context, attempt, status: answer.status }, 'callback delivered')
          return true
        }
        const retryable = isRetryableStatus(answer.status)
        this.logger.warn(
          { ...context, attempt, status: answer.status, retryable },
          'callback delivery failed',
        )
        if (!retryable) return false
        retryAfterMs = this.retryAfterMs(answer.retryAfter)
      } catch (error) {
        if (this.stopping.signal.aborted) return false
        const retryable = !(error instanceof AppError && !error.retryable)
        this.logger.warn(
          { ...context, attempt, error: describe(error), retryable },
          'callback delivery failed',
        )
        if (!retryable) return false
      }
      if (attempt < this.attempts) await this.wait(retryAfterMs ?? this.backoffMs(attempt))
    }
    this.logger.warn({ ...context, attempts: this.attempts }, 'callback given up')
    return false
  }

  /** base × 2^(attempt−1), capped, then somewhere in its upper half so receivers are not stampeded. */
  private backoffMs(attempt: number): number {
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1))
    return Math.round(delay / 2 + (Math.random() * delay) / 2)
  }

  /** A `Retry-After` of seconds or an HTTP date, capped at the longest wait; null when absent or absurd. */
  private retryAfterMs(header: string | undefined): number | null {
    if (header === undefined) return null
    const text = header.trim()
    let delay: number
    if (/^\d{1,9}$/.test(text)) delay = Number(text) * 1000
    else {
      const date = Date.parse(text)
      if (Number.isNaN(date)) return null
      delay = date - this.clock.now()
    }
    return Math.min(this.maxDelayMs, Math.max(0, delay))
  }

  private wait(ms: number): Promise<void> {
    const signal = this.stopping.signal
    return new Promise((resolve) => {
      if (signal.aborted) return resolve()
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      // A retry waiting must not keep a stopping process alive.
      timer.unref()
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

function jobIdOf(payload: object): string | undefined {
  const { job_id: jobId, id } = payload as { job_id?: unknown; id?: unknown }
  if (typeof jobId === 'string') return jobId
  return typeof id === 'string' ? id : undefined
}

/** An error for a log line: its code or name and message, never a body or header. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as NodeJS.ErrnoException).code
  return `${code ?? error.name}: ${error.message}`
}
