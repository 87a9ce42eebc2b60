import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors.js'
import type { Logger } from '../../ports/logger.js'
import type {
  WebhookPostOptions,
  WebhookResponse,
  WebhookSender,
} from '../../ports/webhook-sender.js'
import { CallbackDelivery, sign } from './callbacks.js'

const ALLOWED = ['allowed.example.com', '*.hooks.example.org', '127.0.0.1']
const SECRET = 'a-webhook-secret-of-some-length'

type Step = WebhookResponse | Error | 'hang'

/** A sender that plays `steps` in order and records each call. */
class ScriptedSender implements WebhookSender {
  readonly calls: {
    url: string
    body: string
    headers: Record<string, string>
    options: WebhookPostOptions
  }[] = []
  constructor(private readonly steps: Step[]) {}

  post(url: string, body: string, headers: Record<string, string>, options: WebhookPostOptions) {
    this.calls.push({ url, body, headers, options })
    const step = this.steps.shift() ?? { status: 200 }
    if (step === 'hang') {
      return new Promise<WebhookResponse>((_resolve, reject) => {
        options.signal?.addEventListener('abort', () => reject(new Error('aborted')))
      })
    }
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step)
  }
}

function recordingLogger() {
  const lines: { level: string; fields: object; message: string }[] = []
  const record = (level: string) => (fields: object, message: string) =>
    lines.push({ level, fields, message })
  const logger: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  }
  return { logger, lines }
}

function delivery(steps: Step[], settings: { attempts?: number; secret?: string | null } = {}) {
  const sender = new ScriptedSender(steps)
  const { logger, lines } = recordingLogger()
  const callbacks = new CallbackDelivery(
    sender,
    {
      secret: settings.secret === undefined ? SECRET : settings.secret,
      allowedHosts: ALLOWED,
      attempts: settings.attempts ?? 6,
      baseDelayMs: 1,
      timeoutMs: 500,
    },
    logger,
  )
  return { sender, callbacks, lines }
}

const PAYLOAD = { job_id: 'job-123', status: 'completed', code: 'print(1)' }

describe('CallbackDelivery', () => {
  it('sends the body once serialised, signed, with the event and one delivery id', async () => {
    const { sender, callbacks } = delivery([{ status: 500 }, { status: 204 }])
    expect(await callbacks.deliver('https://allowed.example.com/h', 'job.completed', PAYLOAD)).toBe(
      true,
    )
    expect(sender.calls).toHaveLength(2)
    const [first, second] = sender.calls
    expect(first!.body).toBe(JSON.stringify(PAYLOAD))
    expect(first!.headers['X-Verigen-Signature']).toBe(sign(first!.body, SECRET))
    expect(first!.headers['X-Verigen-Event']).toBe('job.completed')
    expect(first!.headers['X-Verigen-Delivery']).toMatch(/^[0-9a-f-]{36}$/)
    expect(second!.headers).toEqual(first!.headers)
    expect(second!.body).toBe(first!.body)
    expect(first!.options.timeoutMs).toBe(500)
  })

  it.each([408, 429, 500, 502, 503])('retries after %i', async (status) => {
    const { sender, callbacks } = delivery([{ status }, { status: 200 }])
    expect(await callbacks.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)).toBe(
      true,
    )
    expect(sender.calls).toHaveLength(2)
  })

  it.each([301, 302, 400, 401, 404, 410, 422])('does not retry after %i', async (status) => {
    const { sender, callbacks } = delivery([{ status }])
    expect(await callbacks.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)).toBe(
      false,
    )
    expect(sender.calls).toHaveLength(1)
  })

  it('retries network errors and gives up after the attempts', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    const { sender, callbacks, lines } = delivery([reset, reset, reset], { attempts: 3 })
    expect(await callbacks.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)).toBe(
      false,
    )
    expect(sender.calls).toHaveLength(3)
    expect(lines.map((line) => line.message)).toEqual([
      'callback delivery failed',
      'callback delivery failed',
      'callback delivery failed',
      'callback given up',
    ])
  })

  it('does not retry a target the sender refuses for good', async () => {
    const refused = new AppError('APP_ERR_CALLBACK_NOT_ALLOWED', 'internal', { retryable: false })
    const { sender, callbacks } = delivery([refused])
    expect(await callbacks.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)).toBe(
      false,
    )
    expect(sender.calls).toHaveLength(1)
  })

  it('waits as long as a sane Retry-After says, up to the cap', async () => {
    const sender = new ScriptedSender([{ status: 429, retryAfter: '1' }, { status: 200 }])
    const capped = new ScriptedSender([{ status: 503, retryAfter: '86400' }, { status: 200 }])
    const { logger } = recordingLogger()
    const settings = { secret: SECRET, allowedHosts: ALLOWED, baseDelayMs: 1 }
    let started = Date.now()
    const polite = new CallbackDelivery(sender, settings, logger)
    expect(await polite.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    started = Date.now()
    const short = new CallbackDelivery(capped, { ...settings, maxDelayMs: 50 }, logger)
    expect(await short.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)).toBe(true)
    expect(Date.now() - started).toBeLessThan(900)
  })

  it('reads a Retry-After date against its clock', async () => {
    const sender = new ScriptedSender([
      { status: 503, retryAfter: 'Wed, 01 Jan 2031 00:00:00 GMT' },
      { status: 200 },
    ])
    const { logger } = recordingLogger()
    const now = Date.parse('Wed, 01 Jan 2031 00:00:00 GMT') - 300
    const callbacks = new CallbackDelivery(
      sender,
      { secret: SECRET, allowedHosts: ALLOWED, baseDelayMs: 10_000 },
      logger,
      { now: () => now },
    )
    const started = Date.now()
    expect(await callbacks.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)).toBe(
      true,
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('close() ends the waiting retries and the attempt running', async () => {
    const { sender, callbacks } = delivery(['hang'])
    const pending = callbacks.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)
    await new Promise((resolve) => setTimeout(resolve, 20))
    callbacks.close()
    expect(await pending).toBe(false)
    expect(sender.calls).toHaveLength(1)
    expect(await callbacks.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)).toBe(
      false,
    )
    expect(sender.calls).toHaveLength(1)
  })

  it('close() during a backoff ends the delivery at once', async () => {
    const sender = new ScriptedSender([{ status: 500 }])
    const { logger } = recordingLogger()
    const callbacks = new CallbackDelivery(
      sender,
      { secret: SECRET, allowedHosts: ALLOWED, baseDelayMs: 30_000 },
      logger,
    )
    const started = Date.now()
    const pending = callbacks.deliver('https://allowed.example.com/h', 'job.failed', PAYLOAD)
    await new Promise((resolve) => setTimeout(resolve, 20))
    callbacks.close()
    expect(await pending).toBe(false)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('sends nothing to a host no longer allowed, or without a secret', async () => {
    const { sender, callbacks } = delivery([])
    expect(await callbacks.deliver('https://evil.com/h', 'job.failed', PAYLOAD)).toBe(false)
    const off = delivery([], { secret: null })
    expect(await off.callbacks.deliver('https://allowed.example.com/', 'job.failed', PAYLOAD)).toBe(
      false,
    )
    expect(sender.calls).toHaveLength(0)
    expect(off.sender.calls).toHaveLength(0)
  })

  it('never throws, even when the sender itself throws or the payload cannot be serialised', async () => {
    const broken: WebhookSender = {
      post: () => {
        throw new TypeError('broken sender')
      },
    }
    const { logger } = recordingLogger()
    const callbacks = new CallbackDelivery(
      broken,
      { secret: SECRET, allowedHosts: ALLOWED, attempts: 2, baseDelayMs: 1 },
      logger,
    )
    expect(await callbacks.deliver('https://allowed.example.com/', 'job.failed', PAYLOAD)).toBe(
      false,
    )
    const cyclic: Record<string, unknown> = { job_id: 'j' }
    cyclic.self = cyclic
    expect(await callbacks.deliver('https://allowed.example.com/', 'job.failed', cyclic)).toBe(
      false,
    )
  })

  it('logs the job id and host of each failure, never the secret, signature or body', async () => {
    const { sender, callbacks, lines } = delivery([
      { status: 500 },
      new Error('boom'),
      { status: 400 },
    ])
    await callbacks.deliver('https://allowed.example.com/h?token=t0ps3cr3t', 'job.failed', PAYLOAD)
    const failures = lines.filter((line) => line.message === 'callback delivery failed')
    expect(failures).toHaveLength(3)
    for (const line of failures) {
      expect(line.fields).toMatchObject({ jobId: 'job-123', host: 'allowed.example.com' })
    }
    const logged = JSON.stringify(lines)
    expect(logged).not.toContain(SECRET)
    expect(logged).not.toContain(sender.calls[0]!.headers['X-Verigen-Signature']!.slice(7))
    expect(logged).not.toContain('print(1)')
    expect(logged).not.toContain('t0ps3cr3t')
  })
})
