import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'

const BODY_LIMIT = 8 * 1024
const ANALYSIS_BODY_LIMIT = 16 * 1024

/** Every route that reads a body, and the setting that bounds it. */
const ROUTES = [
  { path: '/api/generate', setting: 'BODY_LIMIT', limit: BODY_LIMIT },
  { path: '/api/generate/stream', setting: 'BODY_LIMIT', limit: BODY_LIMIT },
  { path: '/api/generate/batch', setting: 'BODY_LIMIT', limit: BODY_LIMIT },
  {
    path: '/api/generations/00000000-0000-4000-8000-000000000000/cancel',
    setting: 'BODY_LIMIT',
    limit: BODY_LIMIT,
  },
  { path: '/api/analyze', setting: 'ANALYSIS_BODY_LIMIT', limit: ANALYSIS_BODY_LIMIT },
  { path: '/api/analyze/batch', setting: 'ANALYSIS_BODY_LIMIT', limit: ANALYSIS_BODY_LIMIT },
]

/** A JSON body of exactly `bytes` bytes. */
function bodyOf(bytes: number): string {
  const frame = '{"code":""}'
  return `{"code":"${'x'.repeat(bytes - frame.length)}"}`
}

/** Sends `head` and then `body` in 4 KiB chunks with chunked encoding; answers the raw reply. */
function chunkedExchange(port: number, path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString('utf8')))
    socket.on('close', () => resolve(received))
    socket.on('error', (error: NodeJS.ErrnoException) =>
      // The server may close while the last chunks are on their way: the answer is already in.
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(received) : reject(error),
    )
    socket.setTimeout(5000, () => {
      socket.destroy()
      resolve(received)
    })
    socket.on('connect', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      )
      for (let offset = 0; offset < body.length; offset += 4096) {
        const chunk = body.slice(offset, offset + 4096)
        socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
      }
      socket.write('0\r\n\r\n')
    })
  })
}

function parseRawResponse(raw: string) {
  const [head = '', ...rest] = raw.split('\r\n\r\n')
  return { status: Number(head.split(' ')[1]), body: JSON.parse(rest.join('\r\n\r\n')) }
}

describe('body limits: every route that reads a body is bounded, and its 413 names the setting', () => {
  let app: FastifyInstance
  let url: string
  let port: number

  beforeAll(async () => {
    app = await createTestApp({
      BODY_LIMIT: String(BODY_LIMIT),
      ANALYSIS_BODY_LIMIT: String(ANALYSIS_BODY_LIMIT),
      RATE_LIMIT_REQUESTS: '0',
    })
    ;({ url, port } = await listenTestApp(app))
  })
  afterAll(async () => {
    await app.close()
  })

  it.each(ROUTES)(
    '$path: Content-Length over $setting is 413',
    async ({ path, setting, limit }) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodyOf(limit + 1),
      })
      expect(response.status).toBe(413)
      const body = await readJson(response)
      expect(body).toMatchObject({ code: 'APP_ERR_BODY_TOO_LARGE', status_code: 413 })
      expect(body.detail).toBe(
        `Request body exceeds the limit of ${limit} bytes; send less or raise ${setting}`,
      )
    },
  )

  it.each(ROUTES)(
    '$path: a chunked body over $setting is 413',
    async ({ path, setting, limit }) => {
      const response = parseRawResponse(await chunkedExchange(port, path, bodyOf(limit + 4096)))
      expect(response.status).toBe(413)
      expect(response.body).toMatchObject({
        code: 'APP_ERR_BODY_TOO_LARGE',
        detail: `Request body exceeds the limit of ${limit} bytes; send less or raise ${setting}`,
      })
    },
  )

  it('reads an analysis body over BODY_LIMIT but within ANALYSIS_BODY_LIMIT', async () => {
    const code = 'x = 1\n'.repeat(2000)
    expect(code.length).toBeGreaterThan(BODY_LIMIT)
    const response = await fetch(`${url}/api/analyze`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, programming_language: 'python' }),
    })
    expect(response.status).toBe(200)
    expect((await readJson(response)).metrics.lines.code).toBe(2000)
  })
})
