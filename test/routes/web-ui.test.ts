import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UI_PAGES } from '../../src/plugins/web-ui.js'
import { createTestApp } from '../helpers/app.js'
import { authEnv } from '../helpers/auth.js'

/** A built UI as Vite writes it: index.html and hashed assets with their compressed twins. */
function builtUi(): string {
  const root = mkdtempSync(join(tmpdir(), 'verigen-web-ui-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><title>Verigen</title><div id="app"></div>',
  )
  const script = `export const answer = ${JSON.stringify('x'.repeat(4000))}\n`
  writeFileSync(join(root, 'assets', 'index-AbC123.js'), script)
  writeFileSync(join(root, 'assets', 'index-AbC123.js.br'), brotliCompressSync(script))
  writeFileSync(join(root, 'assets', 'index-AbC123.js.gz'), gzipSync(script))
  writeFileSync(join(root, '.env'), 'SECRET=1')
  return root
}

describe('the web UI', () => {
  let app: FastifyInstance
  let root: string
  beforeAll(async () => {
    root = builtUi()
    app = await createTestApp({ RATE_LIMIT_REQUESTS: '3' }, { webRoot: root })
  })
  afterAll(async () => {
    await app.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('answers every page of the UI with index.html, revalidated on each load', async () => {
    for (const page of UI_PAGES) {
      const url = page.replace(':id', '0b1f7c2e-5e1a-4a52-9d3f-2a4e6b0c9d11')
      const response = await app.inject({ method: 'GET', url })
      expect(response.statusCode, url).toBe(200)
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(response.headers['cache-control']).toBe('no-cache')
      expect(response.body).toContain('<div id="app">')
    }
  })

  it('keeps a strict Content-Security-Policy on the pages: no inline or eval scripts', async () => {
    const response = await app.inject({ method: 'GET', url: '/' })
    const policy = String(response.headers['content-security-policy'])
    const scripts = /script-src ([^;]*)/.exec(policy)?.[1] ?? ''
    expect(scripts).toBe("'self'")
    expect(policy).toContain("object-src 'none'")
    expect(policy).toContain("script-src-attr 'none'")
    expect(policy).not.toContain('unsafe-eval')
  })

  it('sends assets pre-compressed when the browser accepts it, cached for good', async () => {
    const brotli = await app.inject({
      method: 'GET',
      url: '/assets/index-AbC123.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    })
    expect(brotli.statusCode).toBe(200)
    expect(brotli.headers['content-encoding']).toBe('br')
    expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(String(brotli.headers.vary)).toMatch(/accept-encoding/i)
    expect(String(brotli.headers['content-type'])).toMatch(/^(application|text)\/javascript/)
    expect(brotliDecompressSync(brotli.rawPayload).toString()).toContain('export const answer')
    expect(brotli.rawPayload.length).toBeLessThan(500)

    const plain = await app.inject({ method: 'GET', url: '/assets/index-AbC123.js' })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body).toContain('export const answer')
  })

  it('serves nothing outside the assets: traversal, dot files and unknown names are 404s', async () => {
    for (const url of [
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/.env',
      '/assets/../.env',
      '/assets/missing-123.js',
      '/assets/',
      '/index.html.br',
      '/.env',
    ]) {
      const response = await app.inject({ method: 'GET', url })
      expect(response.statusCode, url).toBe(404)
      expect(response.json().code, url).toMatch(/^APP_ERR_(ROUTE_)?NOT_FOUND$/)
      expect(response.body).not.toContain('SECRET')
    }
  })

  it('leaves the UI files out of the rate limit, which counts API calls', async () => {
    for (let index = 0; index < 10; index++) {
      const response = await app.inject({ method: 'GET', url: '/assets/index-AbC123.js' })
      expect(response.statusCode).toBe(200)
    }
    const api = []
    for (let index = 0; index < 5; index++) {
      api.push((await app.inject({ method: 'GET', url: '/api/languages' })).statusCode)
    }
    expect(api).toContain(429)
  })

  it('keeps the UI out of the OpenAPI document', async () => {
    const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    const paths = Object.keys(document.paths as Record<string, unknown>)
    expect(paths.every((path) => path.startsWith('/api/') || path === '/metrics')).toBe(true)
  })
})

describe('the web UI with AUTH=on', () => {
  let app: FastifyInstance
  let root: string
  beforeAll(async () => {
    root = builtUi()
    app = await createTestApp(authEnv(), { webRoot: root })
  })
  afterAll(async () => {
    await app.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('serves the pages and assets without a credential; the API still asks for one', async () => {
    expect((await app.inject({ method: 'GET', url: '/history' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/assets/index-AbC123.js' })).statusCode).toBe(
      200,
    )
    expect((await app.inject({ method: 'GET', url: '/api/generations' })).statusCode).toBe(401)
  })
})

describe('the web UI before it is built', () => {
  it('answers the pages with a 404 that says how to build it, and the API still works', async () => {
    const root = mkdtempSync(join(tmpdir(), 'verigen-web-ui-empty-'))
    const app = await createTestApp({}, { webRoot: root })
    try {
      const response = await app.inject({ method: 'GET', url: '/' })
      expect(response.statusCode).toBe(404)
      expect(response.json().detail).toContain('npm run build')
      expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200)
    } finally {
      await app.close()
      rmSync(root, { recursive: true, force: true })
    }
  })
})
