import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, LogCapture, readJson } from '../helpers/app.js'

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function expectErrorShape(body: Record<string, unknown>, status: number, code: string) {
  expect(body).toMatchObject({
    error: expect.any(String),
    detail: expect.any(String),
    status_code: status,
    timestamp: expect.stringMatching(ISO_UTC),
    request_id: expect.any(String),
    code,
  })
}

/** Routes that exercise the shared request pipeline; the real product routes arrive later. */
function addProbeRoutes(app: FastifyInstance) {
  app.post(
    '/api/test/echo',
    {
      config: { access: 'public' },
      schema: {
        body: z.object({ prompt: z.string().min(10), count: z.number().int().max(5).optional() }),
      },
    },
    async (request) => ({ received: request.body }),
  )
  app.get('/api/test/crash', { config: { access: 'public' } }, async () => {
    throw new Error('database password is hunter2')
  })
}

/** Sends raw bytes and returns everything the server wrote back before closing. */
function rawExchange(
  port: number,
  write: (send: (data: string) => void) => void,
  timeoutMs = 5000,
) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString('utf8')))
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
    socket.setTimeout(timeoutMs, () => {
      socket.destroy()
      resolve(received)
    })
    socket.on('connect', () => write((data) => socket.write(data)))
  })
}

function parseRawResponse(raw: string) {
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  const status = Number(head.split(' ')[1])
  return { status, head: head.toLowerCase(), body: JSON.parse(body) as Record<string, unknown> }
}

describe('HTTP contract over a real socket', () => {
  let app: FastifyInstance
  let url: string
  let port: number
  const logs = new LogCapture()

  beforeAll(async () => {
    app = await createTestApp(
      {
        BODY_LIMIT: '64kb',
        REQUEST_TIMEOUT_MS: '1000',
        RATE_LIMIT_REQUESTS: '1000',
        LOG_LEVEL: 'info',
      },
      { logDestination: logs.stream },
    )
    addProbeRoutes(app)
    ;({ url, port } = await listenTestApp(app))
  })
  afterAll(async () => {
    await app.close()
  })

  it('answers an unknown route with 404 in the error shape', async () => {
    const response = await fetch(`${url}/api/nope`)
    expect(response.status).toBe(404)
    const body = await readJson(response)
    expectErrorShape(body, 404, 'APP_ERR_ROUTE_NOT_FOUND')
    expect(body.request_id).toBe(response.headers.get('x-request-id'))
  })

  it('answers a wrong method with 405 and Allow', async () => {
    const response = await fetch(`${url}/api/languages`, { method: 'DELETE' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, HEAD')
    expectErrorShape(await readJson(response), 405, 'APP_ERR_METHOD_NOT_ALLOWED')
  })

  it('answers malformed JSON with 400 APP_ERR_MALFORMED_BODY', async () => {
    const response = await fetch(`${url}/api/test/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"prompt": "unterminated',
    })
    expect(response.status).toBe(400)
    const body = await readJson(response)
    expectErrorShape(body, 400, 'APP_ERR_MALFORMED_BODY')
    expect(body.detail).toMatch(/not valid JSON/)
  })

  it('names the field and the rule of a validation error', async () => {
    const response = await fetch(`${url}/api/test/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'short', count: 9 }),
    })
    expect(response.status).toBe(400)
    const body = await readJson(response)
    expectErrorShape(body, 400, 'APP_ERR_VALIDATION')
    expect(body.errors).toEqual([
      { field: 'body.prompt', rule: 'too_small', message: expect.stringMatching(/10/) },
      { field: 'body.count', rule: 'too_big', message: expect.stringMatching(/5/) },
    ])
    expect(body.detail).toMatch(
      /^body\.prompt: .* \(rule: too_small\); body\.count: .* \(rule: too_big\)$/,
    )
  })

  it('says that a missing field is required', async () => {
    const response = await fetch(`${url}/api/test/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect((await readJson(response)).errors).toEqual([
      { field: 'body.prompt', rule: 'required', message: 'is required' },
    ])
  })

  it('answers an unsupported media type with 415', async () => {
    const response = await fetch(`${url}/api/test/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<prompt/>',
    })
    expect(response.status).toBe(415)
    expectErrorShape(await readJson(response), 415, 'APP_ERR_UNSUPPORTED_MEDIA_TYPE')
  })

  it('answers an oversized body with 413 in the error shape', async () => {
    const response = await fetch(`${url}/api/test/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x'.repeat(70 * 1024) }),
    })
    expect(response.status).toBe(413)
    const body = await readJson(response)
    expectErrorShape(body, 413, 'APP_ERR_BODY_TOO_LARGE')
    expect(body.detail).toContain('65536 bytes')
  })

  it('stops reading an oversized chunked body (no Content-Length) at the limit', async () => {
    const raw = await rawExchange(port, (send) => {
      send(
        'POST /api/test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      )
      const chunk = 'y'.repeat(16 * 1024)
      for (let index = 0; index < 6; index += 1)
        send(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
    })
    const response = parseRawResponse(raw)
    expect(response.status).toBe(413)
    expectErrorShape(response.body, 413, 'APP_ERR_BODY_TOO_LARGE')
  })

  it('answers an HTTP/1.1 request without Host with 400 in the error shape', async () => {
    for (const path of ['/api/health', '/api/no-such-route']) {
      const raw = await rawExchange(port, (send) => send(`GET ${path} HTTP/1.1\r\n\r\n`))
      const response = parseRawResponse(raw)
      expect(response.status).toBe(400)
      expectErrorShape(response.body, 400, 'APP_ERR_VALIDATION')
      expect(response.body.detail).toContain('Host')
    }
    // HTTP/1.0 has no Host header; it stays allowed.
    const raw = await rawExchange(port, (send) => send('GET /api/health HTTP/1.0\r\n\r\n'))
    expect(parseRawResponse(raw).status).toBe(200)
  })

  it('answers a client that never finishes its request with 408, after REQUEST_TIMEOUT_MS', async () => {
    const started = performance.now()
    const raw = await rawExchange(port, (send) => {
      send(
        'POST /api/test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"prompt":',
      )
    })
    const elapsed = performance.now() - started
    const response = parseRawResponse(raw)
    expect(response.status).toBe(408)
    expectErrorShape(response.body, 408, 'APP_ERR_REQUEST_TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(900)
    expect(elapsed).toBeLessThan(4000)
  })

  it('hides the cause of a 500 from the client and logs it', async () => {
    const response = await fetch(`${url}/api/test/crash`)
    expect(response.status).toBe(500)
    const text = await response.text()
    const body = JSON.parse(text)
    expectErrorShape(body, 500, 'APP_ERR_INTERNAL')
    expect(text).not.toContain('hunter2')
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/)
    const logged = logs.lines.find(
      (line) => line.request_id === body.request_id && line.msg === 'request failed',
    )
    expect(JSON.stringify(logged)).toContain('hunter2')
  })

  it('echoes a sane X-Request-Id and replaces a hostile one', async () => {
    const mine = await fetch(`${url}/api/nope`, { headers: { 'x-request-id': 'trace-42.a:b' } })
    expect(mine.headers.get('x-request-id')).toBe('trace-42.a:b')
    expect((await readJson(mine)).request_id).toBe('trace-42.a:b')
    const hostile = await fetch(`${url}/api/nope`, { headers: { 'x-request-id': 'a b"<script>' } })
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('sends security headers', async () => {
    const response = await fetch(`${url}/api/languages`)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(response.headers.get('content-security-policy')).not.toContain(
      'upgrade-insecure-requests',
    )
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('writes one log line per request, with sizes but no secrets or prompts', async () => {
    const response = await fetch(`${url}/api/test/echo`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-live-secret-token',
        'x-api-key': 'key-secret-value',
      },
      body: JSON.stringify({ prompt: 'a confidential prompt about payroll' }),
    })
    const requestId = response.headers.get('x-request-id')
    await response.text()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const lines = logs.lines.filter((line) => line.request_id === requestId)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      method: 'POST',
      route: '/api/test/echo',
      status_code: 200,
      duration_ms: expect.any(Number),
      request_bytes: expect.any(Number),
      time: expect.stringMatching(ISO_UTC),
    })
    expect(logs.raw).not.toContain('sk-live-secret-token')
    expect(logs.raw).not.toContain('key-secret-value')
    expect(logs.raw).not.toContain('confidential prompt')
  })
})

describe('rate limiting', () => {
  it('limits per client IP with RateLimit headers and a 429 in the error shape', async () => {
    const app = await createTestApp({ RATE_LIMIT_REQUESTS: '3', RATE_LIMIT_WINDOW: '1m' })
    const { url } = await listenTestApp(app)
    const statuses: number[] = []
    let last: Response | undefined
    for (let index = 0; index < 4; index += 1) {
      last = await fetch(`${url}/api/languages`)
      statuses.push(last.status)
      if (index === 0) {
        expect(last.headers.get('ratelimit-limit')).toBe('3')
        expect(last.headers.get('ratelimit-remaining')).toBe('2')
        expect(Number(last.headers.get('ratelimit-reset'))).toBeGreaterThan(0)
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    const body = await readJson(last!)
    expectErrorShape(body, 429, 'APP_ERR_RATE_LIMITED')
    expect(body.detail).toMatch(/Rate limit of 3 requests per minute exceeded; retry in \d+ s/)
    // Probes stay reachable for orchestrators even when a client is limited.
    expect((await fetch(`${url}/api/health`)).status).toBe(200)
    expect((await fetch(`${url}/metrics`)).status).toBe(200)
    await app.close()
  })
})

describe('CORS', () => {
  it('allows only the configured origins', async () => {
    const app = await createTestApp({ CORS_ORIGINS: 'https://app.example.com' })
    const { url } = await listenTestApp(app)
    const preflight = await fetch(`${url}/api/languages`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    const other = await fetch(`${url}/api/languages`, {
      headers: { origin: 'https://evil.example' },
    })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    await app.close()
  })

  it('sends no CORS headers by default', async () => {
    const app = await createTestApp()
    const { url } = await listenTestApp(app)
    const response = await fetch(`${url}/api/languages`, {
      headers: { origin: 'https://app.example.com' },
    })
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    await app.close()
  })
})

describe('requests that ask for a protocol upgrade', () => {
  const upgradeHeaders =
    'Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n'

  /** Sends one request and says how the exchange ended: the server closed, or we gave up. */
  function exchange(port: number, request: string) {
    return new Promise<{ raw: string; closedByServer: boolean }>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port })
      let raw = ''
      socket.on('data', (chunk) => (raw += chunk.toString('utf8')))
      socket.on('close', () => resolve({ raw, closedByServer: true }))
      socket.on('error', reject)
      socket.setTimeout(3000, () => {
        socket.destroy()
        resolve({ raw, closedByServer: false })
      })
      socket.on('connect', () => socket.write(request))
    })
  }

  it('closes the socket after a plain answer to an upgrade request, so close() does not wait for it', async () => {
    const app = await createTestApp({ SHUTDOWN_TIMEOUT_MS: '60000' })
    const { port } = await listenTestApp(app)
    for (const [method, path] of [
      ['POST', '/api/ws'],
      ['POST', '/api/analyze'],
      ['GET', '/api/health'],
    ] as const) {
      const { raw, closedByServer } = await exchange(
        port,
        `${method} ${path} HTTP/1.1\r\n${upgradeHeaders}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 0\r\n\r\n`,
      )
      expect(closedByServer, `${method} ${path}`).toBe(true)
      expect(raw.toLowerCase()).toContain('connection: close')
    }
    // Before, each of those sockets stayed open and close() waited for SHUTDOWN_TIMEOUT_MS.
    const closing = app.close().then(() => 'closed')
    const waited = new Promise((resolve) => setTimeout(() => resolve('still open'), 5000))
    expect(await Promise.race([closing, waited])).toBe('closed')
  })

  it('refuses a malformed WebSocket handshake in the error shape', async () => {
    const app = await createTestApp()
    const { port } = await listenTestApp(app)
    try {
      for (const [headers, problem] of [
        [`${upgradeHeaders}Sec-WebSocket-Key: short\r\n`, 'Sec-WebSocket-Key'],
        [
          'Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 7\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
          'Sec-WebSocket-Version',
        ],
        [
          `${upgradeHeaders}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: a b\r\n`,
          'Sec-WebSocket-Protocol',
        ],
      ] as const) {
        const { raw, closedByServer } = await exchange(
          port,
          `GET /api/ws HTTP/1.1\r\n${headers}\r\n`,
        )
        expect(closedByServer).toBe(true)
        const response = parseRawResponse(raw)
        expect(response.status).toBe(400)
        expectErrorShape(response.body, 400, 'APP_ERR_VALIDATION')
        expect(response.body.detail).toContain(problem)
      }
    } finally {
      await app.close()
    }
  })
})
