import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors.js'
import type { Logger } from '../../ports/logger.js'
import type {
  WebhookPostOptions,
  WebhookResponse,
  WebhookSender,
} from '../../ports/webhook-sender.js'
import { CallbackDelivery, checkCallbackUrl, isAllowedHost, sign } from './callbacks.js'

const ALLOWED = ['allowed.example.com', '*.hooks.example.org', '127.0.0.1']
const SECRET = 'a-webhook-secret-of-some-length'

function refusal(url: string, allowed: readonly string[] = ALLOWED): AppError {
  try {
    checkCallbackUrl(url, allowed)
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('APP_ERR_CALLBACK_NOT_ALLOWED')
    expect((error as AppError).status).toBe(422)
    return error as AppError
  }
  throw new Error(`accepted: ${url}`)
}

describe('checkCallbackUrl', () => {
  it.each([
    ['https://allowed.example.com/hook', 'https://allowed.example.com/hook'],
    ['HTTP://ALLOWED.example.com./hook', 'http://allowed.example.com/hook'],
    ['https://allowed.example.com:8443/h?x=1', 'https://allowed.example.com:8443/h?x=1'],
    ['https://allowed.example.com/h#frag', 'https://allowed.example.com/h'],
    ['https://a.hooks.example.org/h', 'https://a.hooks.example.org/h'],
    ['https://deep.a.HOOKS.example.org/h', 'https://deep.a.hooks.example.org/h'],
    ['http://127.0.0.1:9000/cb', 'http://127.0.0.1:9000/cb'],
    ['http://2130706433/cb', 'http://127.0.0.1/cb'],
  ])('accepts %s as %s', (url, normalised) => {
    expect(checkCallbackUrl(url, ALLOWED)).toBe(normalised)
  })

  it.each([
    ['userinfo hiding the real host', 'http://allowed.example.com@evil.com/', /user name/],
    ['a fragment hiding the real host', 'http://evil.com#@allowed.example.com', /'evil\.com'/],
    ['a user and password', 'https://user:pw@allowed.example.com/', /user name or password/],
    ['a user only', 'https://user@allowed.example.com/', /user name/],
    ['an empty userinfo', 'https://:@evil.com/', /'evil\.com'/],
    ['a host not listed', 'https://evil.com/', /not allowed; .*WEBHOOK_ALLOWED_HOSTS/],
    ['a lookalike suffix', 'https://evilallowed.example.com/', /not allowed/],
    ['a listed name as a prefix', 'https://allowed.example.com.evil.com/', /not allowed/],
    ['the wildcard parent itself', 'https://hooks.example.org/', /not allowed/],
    ['a wildcard lookalike', 'https://xhooks.example.org/', /not allowed/],
    ['an IPv6 literal', 'http://[::1]:9000/', /'\[::1\]'/],
    ['an IPv4-mapped IPv6 literal', 'http://[::ffff:127.0.0.1]/', /not allowed/],
    ['the metadata address in hex', 'http://0xa9fea9fe/', /'169\.254\.169\.254'/],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data', /not allowed/],
    ['a port on another host', 'http://evil.com:443/', /not allowed/],
    ['a port out of range', 'http://allowed.example.com:99999/', /not an absolute URL/],
    ['javascript:', 'javascript:alert(1)', /scheme 'javascript:'/],
    ['file:', 'file:///etc/passwd', /scheme 'file:'/],
    ['ftp:', 'ftp://allowed.example.com/', /scheme 'ftp:'/],
    ['a relative URL', '/hook', /not an absolute URL/],
    ['a backslash trick', 'http:\\\\evil.com\\@allowed.example.com/', /not allowed|user name/],
    ['a newline inside', 'http://allowed.exa\nmple.com/', /control characters/],
    ['a leading space', ' https://allowed.example.com/', /control characters/],
    ['an IDN not listed', 'https://allowéd.example.com/', /'xn--allowd-fva\.example\.com'/],
    ['too long', `https://allowed.example.com/${'a'.repeat(2048)}`, /longer than 2048/],
  ])('refuses %s', (_what, url, detail) => {
    expect(refusal(url).message).toMatch(detail)
  })

  it('matches IDN hosts in punycode', () => {
    expect(checkCallbackUrl('https://bücher.example/x', ['xn--bcher-kva.example'])).toBe(
      'https://xn--bcher-kva.example/x',
    )
  })

  it('says how to turn callbacks on when the list is empty', () => {
    expect(refusal('https://allowed.example.com/', []).message).toBe(
      'callbacks are off: set WEBHOOK_ALLOWED_HOSTS and WEBHOOK_SECRET',
    )
  })

  it('matches hosts case-insensitively and without a trailing dot', () => {
    expect(isAllowedHost('allowed.example.com', ['Allowed.Example.com.'])).toBe(true)
    expect(isAllowedHost('x.y.example.com', ['*.example.com'])).toBe(true)
    expect(isAllowedHost('example.com', ['*.example.com'])).toBe(false)
  })
})

describe('sign', () => {
  it('is the hex HMAC-SHA256 of the raw body', () => {
    const body = '{"job_id":"j1","status":"completed","note":"é"}'
    const expected = createHmac('sha256', SECRET).update(Buffer.from(body, 'utf8')).digest('hex')
    expect(sign(body, SECRET)).toBe(`sha256=${expected}`)
  })

  it('matches the RFC 4231 test case 2 vector', () => {
    expect(sign('what do ya want for nothing?', 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
  })
})

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
