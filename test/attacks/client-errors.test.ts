import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { createTestApp, listenTestApp } from '../helpers/app.js'

/** Everything the server sends on one connection until it closes it. */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
    socket.end(request)
  })
}

describe('answers to requests Node cannot parse', () => {
  let app: FastifyInstance
  let port: number
  beforeAll(async () => {
    app = await createTestApp()
    port = (await listenTestApp(app)).port
  })
  afterAll(() => app.close())

  // Found by schema fuzzing: a client's parser read the 431 body sent to a HEAD request as
  // data after the response ("Data after Connection: close").
  it('sends no body after the headers of a 431 to a HEAD request', async () => {
    const url = `/api/generations?limit=${'x'.repeat(100_000)}`
    const head = await exchange(port, `HEAD ${url} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
    expect(head).toMatch(/^HTTP\/1\.1 431 /)
    expect(head.split('\r\n\r\n')[1]).toBe('')
    const get = await exchange(port, `GET ${url} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
    expect(get).toMatch(/^HTTP\/1\.1 431 /)
    const body = JSON.parse(get.split('\r\n\r\n')[1] ?? '') as { request_id: string }
    expect(body).toMatchObject({ status_code: 431, code: 'APP_ERR_HEADERS_TOO_LARGE' })
    expect(get).toContain(`\r\nX-Request-Id: ${body.request_id}\r\n`)
  })

  // Found by schema fuzzing: errors Fastify raises before routing (a malformed URL, a parameter
  // over maxParamLength) went out without the X-Request-Id header the error schema promises.
  it('echoes request_id in X-Request-Id for errors raised before routing', async () => {
    const url = `http://127.0.0.1:${port}`
    for (const path of ['/api/generations/%ED%A0%80', `/api/languages/${'x'.repeat(300)}`]) {
      const response = await fetch(url + path)
      const body = (await response.json()) as { request_id: string; status_code: number }
      expect(body.status_code).toBe(400)
      expect(response.headers.get('x-request-id')).toBe(body.request_id)
    }
  })
})
