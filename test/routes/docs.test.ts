import { describe, expect, it } from 'vitest'
import { createTestApp } from '../helpers/app.js'

describe('API documentation', () => {
  it('serves an OpenAPI 3.1 document with every route and the error schema', async () => {
    const app = await createTestApp()
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
    expect(response.statusCode).toBe(200)
    const document = response.json()
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/api/admin/audit',
        '/api/admin/settings',
        '/api/admin/usage',
        '/api/admin/users',
        '/api/admin/users/{id}',
        '/api/admin/users/{id}/keys',
        '/api/admin/users/{id}/keys/{keyId}',
        '/api/analyze',
        '/api/analyze/batch',
        '/api/auth/login',
        '/api/auth/logout',
        '/api/auth/me',
        '/api/auth/refresh',
        '/api/generate',
        '/api/generate/batch',
        '/api/generate/stream',
        '/api/generations',
        '/api/generations/{id}',
        '/api/generations/{id}/cancel',
        '/api/health',
        '/api/jobs',
        '/api/jobs/{id}',
        '/api/jobs/{id}/cancel',
        '/api/jobs/{id}/events',
        '/api/jobs/{id}/retry',
        '/api/keys',
        '/api/keys/{id}',
        '/api/languages',
        '/api/languages/{id}',
        '/api/openapi.json',
        '/api/verify',
        '/api/ws',
        '/metrics',
      ].sort(),
    )
    // The WebSocket is a documented GET with the upgrade.
    const ws = document.paths['/api/ws'].get
    expect(ws.description).toContain('Upgrade: websocket')
    expect(Object.keys(ws.responses)).toEqual(expect.arrayContaining(['101', '400', '429']))
    // The stream is text/event-stream; an error before its first byte is JSON.
    const stream = document.paths['/api/generate/stream'].post.responses
    expect(Object.keys(stream['200'].content)).toEqual(['text/event-stream'])
    expect(Object.keys(stream['400'].content)).toEqual(['application/json'])
    const languagesGet = document.paths['/api/languages/{id}'].get
    expect(languagesGet.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    ])
    expect(Object.keys(languagesGet.responses)).toEqual(
      expect.arrayContaining(['200', '404', '429', '500']),
    )
    const schemas = JSON.stringify(document.components.schemas)
    for (const field of ['error', 'detail', 'status_code', 'timestamp', 'request_id', 'code']) {
      expect(schemas).toContain(`"${field}"`)
    }
    await app.close()
  })

  it('declares the credentials with AUTH=on, so that the explorer can send them', async () => {
    const app = await createTestApp({
      AUTH: 'on',
      JWT_SECRET: 'a-signing-secret-for-the-documentation-test',
    })
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
    expect(response.statusCode).toBe(200)
    const document = response.json()
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    })
    expect(document.security).toEqual([{ bearer: [] }, { apiKey: [] }])
    // Public routes need none, and never answer 401; the others say they may.
    expect(document.paths['/api/auth/login'].post.security).toEqual([])
    expect(document.paths['/api/health'].get.security).toEqual([])
    expect(Object.keys(document.paths['/api/generate'].post.responses)).toContain('401')
    expect(Object.keys(document.paths['/api/admin/users'].get.responses)).toEqual(
      expect.arrayContaining(['401', '403']),
    )
    await app.close()
  })

  it('serves the interactive docs page', async () => {
    const app = await createTestApp()
    const page = await app.inject({ method: 'GET', url: '/api/docs/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    expect(page.body).toMatch(/swagger-ui/i)
    // Plain-HTTP deployments on a LAN address must be able to load the page's scripts.
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['content-security-policy']).not.toContain('upgrade-insecure-requests')
    const initializer = await app.inject({
      method: 'GET',
      url: '/api/docs/static/swagger-initializer.js',
    })
    expect(initializer.statusCode).toBe(200)
    await app.close()
  })

  it('follows API_PREFIX', async () => {
    const app = await createTestApp({ API_PREFIX: '/v2/' })
    expect((await app.inject({ method: 'GET', url: '/v2/health' })).statusCode).toBe(200)
    expect(
      (await app.inject({ method: 'GET', url: '/v2/openapi.json' })).json().paths,
    ).toHaveProperty('/v2/languages')
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(404)
    await app.close()
  })
})
