import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../errors.js'
import { version } from '../../paths.js'
import type { Logger } from '../../ports/logger.js'
import { CallbackDelivery } from '../../services/jobs/callbacks.js'
import { HttpWebhookSender, isInternalAddress, MAX_ANSWER_BYTES, type Resolver } from './http.js'

const SECRET = 'receiver-shared-secret-0123456789'

/** What the receiving server saw of one request. */
interface Received {
  path: string
  headers: IncomingMessage['headers']
  body: string
  signatureValid: boolean
}

type Handler = (request: IncomingMessage, response: ServerResponse, received: Received) => void

/** A receiver on 127.0.0.1 that checks each request's signature as a customer would. */
class Receiver {
  readonly received: Received[] = []
  private handlers: Handler[] = []
  private readonly server: Server
  port = 0

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const raw = Buffer.concat(chunks)
        const expected = Buffer.from(
          `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
        )
        const given = Buffer.from(String(request.headers['x-verigen-signature'] ?? ''))
        const received: Received = {
          path: request.url ?? '',
          headers: request.headers,
          body: raw.toString('utf8'),
          signatureValid: given.length === expected.length && timingSafeEqual(given, expected),
        }
        this.received.push(received)
        const handler = this.handlers.shift() ?? ((_request, answer) => answer.end('ok'))
        handler(request, response, received)
      })
    })
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  /** Answers the next requests with `handlers`, in order; then 200 "ok". */
  script(...handlers: Handler[]): void {
    this.handlers = handlers
  }

  url(host = '127.0.0.1', path = '/hook'): string {
    return `http://${host}:${this.port}${path}`
  }

  reset(): void {
    this.received.length = 0
    this.handlers = []
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    this.server.close()
    await once(this.server, 'close')
  }
}

const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_request, response) => {
    response.writeHead(code, headers).end()
  }

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

function callbacks(sender: HttpWebhookSender, allowedHosts: string[], timeoutMs = 2000) {
  return new CallbackDelivery(
    sender,
    { secret: SECRET, allowedHosts, attempts: 3, baseDelayMs: 5, timeoutMs },
    silentLogger,
  )
}

const PAYLOAD = { job_id: 'job-42', status: 'completed', generation: { code: 'x = 1' } }

describe('HttpWebhookSender with CallbackDelivery, against a receiver on 127.0.0.1', () => {
  let receiver: Receiver
  const sender = new HttpWebhookSender(['127.0.0.1'])

  beforeAll(async () => {
    receiver = await new Receiver().start()
  })
  afterEach(() => receiver.reset())
  afterAll(() => receiver.close())

  it('delivers a body the receiver can verify with the shared secret', async () => {
    const delivered = await callbacks(sender, ['127.0.0.1']).deliver(
      receiver.url(),
      'job.completed',
      PAYLOAD,
    )
    expect(delivered).toBe(true)
    expect(receiver.received).toHaveLength(1)
    const [request] = receiver.received
    expect(request!.signatureValid).toBe(true)
    expect(JSON.parse(request!.body)).toEqual(PAYLOAD)
    expect(request!.path).toBe('/hook')
    expect(request!.headers['content-type']).toBe('application/json')
    expect(request!.headers['user-agent']).toBe(`verigen/${version}`)
    expect(request!.headers['x-verigen-event']).toBe('job.completed')
    expect(request!.headers['x-verigen-delivery']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('retries after a 500 with the same delivery id, then delivers', async () => {
    receiver.script(status(500), status(200))
    expect(
      await callbacks(sender, ['127.0.0.1']).deliver(receiver.url(), 'job.failed', PAYLOAD),
    ).toBe(true)
    expect(receiver.received).toHaveLength(2)
    const [first, second] = receiver.received
    expect(second!.headers['x-verigen-delivery']).toBe(first!.headers['x-verigen-delivery'])
    expect(second!.body).toBe(first!.body)
    expect(receiver.received.every((request) => request.signatureValid)).toBe(true)
  })

  it('does not retry after a 400', async () => {
    receiver.script(status(400))
    expect(
      await callbacks(sender, ['127.0.0.1']).deliver(receiver.url(), 'job.failed', PAYLOAD),
    ).toBe(false)
    expect(receiver.received).toHaveLength(1)
  })

  it('does not follow a redirect: a 3xx is a failed delivery', async () => {
    receiver.script(status(307, { location: receiver.url('127.0.0.1', '/elsewhere') }))
    expect(await sender.post(receiver.url(), '{}', {}, { timeoutMs: 2000 })).toEqual({
      status: 307,
      retryAfter: undefined,
    })
    receiver.script(status(302, { location: receiver.url('127.0.0.1', '/elsewhere') }))
    expect(
      await callbacks(sender, ['127.0.0.1']).deliver(receiver.url(), 'job.failed', PAYLOAD),
    ).toBe(false)
    expect(receiver.received.map((request) => request.path)).toEqual(['/hook', '/hook'])
  })

  it('hands back Retry-After', async () => {
    receiver.script(status(429, { 'retry-after': '7' }))
    expect(await sender.post(receiver.url(), '{}', {}, { timeoutMs: 2000 })).toEqual({
      status: 429,
      retryAfter: '7',
    })
  })

  it('gives up on a receiver that never answers, after the timeout of each attempt', async () => {
    const hang: Handler = () => {}
    receiver.script(hang, hang, hang)
    const started = Date.now()
    await expect(sender.post(receiver.url(), '{}', {}, { timeoutMs: 200 })).rejects.toThrow(
      /no answer within 200 ms/,
    )
    expect(Date.now() - started).toBeLessThan(1500)
    receiver.script(hang, hang, hang)
    expect(
      await callbacks(sender, ['127.0.0.1'], 150).deliver(receiver.url(), 'job.failed', PAYLOAD),
    ).toBe(false)
    expect(receiver.received).toHaveLength(4)
  })

  it('reads at most 64 KiB of a huge answer and closes the connection', async () => {
    let written = 0
    let closed: () => void = () => {}
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve))
    receiver.script((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' })
      const chunk = Buffer.alloc(64 * 1024, 'x')
      const pump = () => {
        while (written < 1024 * 1024 * 1024) {
          written += chunk.length
          if (!response.write(chunk)) return void response.once('drain', pump)
        }
        response.end()
      }
      response.once('close', () => closed())
      pump()
    })
    expect(await sender.post(receiver.url(), '{}', {}, { timeoutMs: 5000 })).toEqual({
      status: 200,
      retryAfter: undefined,
    })
    await connectionClosed
    expect(written).toBeGreaterThan(MAX_ANSWER_BYTES)
    // Socket buffers hold a few MB at most; a reader that kept reading would take the whole GiB.
    expect(written).toBeLessThan(64 * 1024 * 1024)
  })

  it('stops an attempt when its signal aborts', async () => {
    receiver.script(() => {})
    const controller = new AbortController()
    const pending = sender.post(
      receiver.url(),
      '{}',
      {},
      {
        timeoutMs: 10_000,
        signal: controller.signal,
      },
    )
    setTimeout(() => controller.abort(new Error('stopping')), 50)
    await expect(pending).rejects.toThrow('stopping')
  })

  describe('addresses', () => {
    const rebinding =
      (...addresses: string[]): Resolver =>
      () =>
        Promise.resolve(
          addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        )

    async function refusal(promise: Promise<unknown>): Promise<AppError> {
      const error = await promise.then(
        () => {
          throw new Error('delivered')
        },
        (error: unknown) => error,
      )
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).retryable).toBe(false)
      return error as AppError
    }

    it.each([
      ['127.0.0.1'],
      ['169.254.169.254'],
      ['10.1.2.3'],
      ['192.168.0.10'],
      ['::ffff:127.0.0.1'],
      ['::1'],
    ])('refuses an allowed public name that resolves to %s', async (address) => {
      const rebound = new HttpWebhookSender(['hooks.example.com', '*.example.net'], {
        resolve: rebinding(address),
      })
      for (const host of ['hooks.example.com', 'a.example.net']) {
        const error = await refusal(rebound.post(receiver.url(host), '{}', {}, { timeoutMs: 2000 }))
        expect(error.message).toMatch(/internal addresses/)
      }
      expect(receiver.received).toHaveLength(0)
    })

    it('gives up the delivery on such a name at once, without retrying', async () => {
      const rebound = new HttpWebhookSender(['hooks.example.com'], {
        resolve: rebinding('127.0.0.1'),
      })
      let calls = 0
      const counting = new HttpWebhookSender(['hooks.example.com'], {
        resolve: (host) => {
          calls++
          return rebinding('127.0.0.1')(host)
        },
      })
      expect(
        await callbacks(rebound, ['hooks.example.com']).deliver(
          receiver.url('hooks.example.com'),
          'job.failed',
          PAYLOAD,
        ),
      ).toBe(false)
      await callbacks(counting, ['hooks.example.com']).deliver(
        receiver.url('hooks.example.com'),
        'job.failed',
        PAYLOAD,
      )
      expect(calls).toBe(1)
      expect(receiver.received).toHaveLength(0)
    })

    it('connects only to the public addresses of a name that also has internal ones', async () => {
      // 192.0.2.1 (TEST-NET-1) is public in form and unroutable: the attempt times out, but the
      // internal address it was listed with is never tried.
      const mixed = new HttpWebhookSender(['hooks.example.com'], {
        resolve: rebinding('127.0.0.1', '192.0.2.1'),
      })
      await expect(
        mixed.post(receiver.url('hooks.example.com'), '{}', {}, { timeoutMs: 300 }),
      ).rejects.toThrow()
      expect(receiver.received).toHaveLength(0)
    })

    it('refuses an internal IP literal that is not itself in the list', async () => {
      const strict = new HttpWebhookSender(['hooks.example.com'])
      await refusal(strict.post(receiver.url('127.0.0.1'), '{}', {}, { timeoutMs: 2000 }))
      await refusal(strict.post(receiver.url('[::1]'), '{}', {}, { timeoutMs: 2000 }))
      expect(receiver.received).toHaveLength(0)
    })

    it('reaches an internal address only when its IP or localhost is itself in the list', async () => {
      const intranet = new HttpWebhookSender(['hooks.internal', '127.0.0.1'], {
        resolve: rebinding('127.0.0.1'),
      })
      await refusal(intranet.post(receiver.url('hooks.internal'), '{}', {}, { timeoutMs: 2000 }))
      expect(
        await intranet.post(receiver.url('127.0.0.1'), '{}', {}, { timeoutMs: 2000 }),
      ).toMatchObject({ status: 200 })
      const local = new HttpWebhookSender(['LocalHost.'], {
        resolve: rebinding('127.0.0.1'),
      })
      expect(
        await local.post(receiver.url('localhost'), '{}', {}, { timeoutMs: 2000 }),
      ).toMatchObject({ status: 200 })
      expect(receiver.received.map((request) => request.headers.host)).toEqual([
        `127.0.0.1:${receiver.port}`,
        `localhost:${receiver.port}`,
      ])
    })

    it('refuses schemes other than http and https', async () => {
      await refusal(sender.post('file:///etc/passwd', '{}', {}, { timeoutMs: 2000 }))
      await refusal(sender.post('not a url', '{}', {}, { timeoutMs: 2000 }))
    })

    it.each([
      ['127.0.0.1', true],
      ['169.254.169.254', true],
      ['100.64.0.1', true],
      ['172.31.255.255', true],
      ['224.0.0.1', true],
      ['0.0.0.0', true],
      ['fd00::1', true],
      ['fe80::1', true],
      ['ff02::1', true],
      ['::ffff:10.0.0.1', true],
      ['not-an-ip', true],
      ['93.184.216.34', false],
      ['172.32.0.1', false],
      ['2606:4700::1111', false],
    ])('classifies %s as internal: %s', (address, internal) => {
      expect(isInternalAddress(address)).toBe(internal)
    })
  })
})
