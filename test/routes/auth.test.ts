import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../helpers/app.js'

const AUTH_ON = {
  AUTH: 'on',
  JWT_SECRET: 'a-signing-secret-for-the-auth-route-tests',
  RATE_LIMIT_REQUESTS: '0',
}
const PASSWORD = 'correct horse battery staple'

describe('/api/auth with AUTH=on', () => {
  let app: FastifyInstance
  let userId: string

  beforeAll(async () => {
    app = await createTestApp(AUTH_ON)
    const { users } = app.services.access
    await users.create({ name: 'root', admin: true, password: 'root password of the tests' }, null)
    userId = (await users.create({ name: 'alice', password: PASSWORD }, null)).user.id
  })
  afterAll(() => app.close())

  const login = (name: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password } })
  const me = (token: string) =>
    app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${token}` },
    })
  const refresh = (token: string) =>
    app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: token } })

  it('logs in with a name and password; the access token proves the user at /api/auth/me', async () => {
    const response = await login('alice', PASSWORD)
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    const pair = response.json()
    expect(pair).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
    })

    const answer = await me(pair.access_token)
    expect(answer.statusCode).toBe(200)
    expect(answer.headers['cache-control']).toBe('no-store')
    expect(answer.json()).toMatchObject({
      auth: 'on',
      id: userId,
      name: 'alice',
      admin: false,
      via: 'token',
      limits: {},
      budgets: {
        requests_per_minute: { used: 0 },
        concurrent_generations: { used: 0, resets_at: null },
        tokens_per_day: { used: 0 },
        verify_runs_per_day: { used: 0 },
      },
    })
  })

  it('answers a wrong password and an unknown user alike', async () => {
    const wrong = await login('alice', 'not the password')
    const unknown = await login('nobody', 'not the password')
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401)
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /)
    }
    const same = (body: Record<string, unknown>) => ({
      ...body,
      request_id: undefined,
      timestamp: undefined,
    })
    expect(same(wrong.json())).toEqual(same(unknown.json()))
    expect(wrong.json().code).toBe('APP_ERR_UNAUTHENTICATED')
    expect(wrong.headers['www-authenticate']).toBe(unknown.headers['www-authenticate'])
  })

  it('refuses /api/auth/me without a credential, or with a forged one', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/auth/me' })
    expect(none.statusCode).toBe(401)
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /)
    expect(none.json().code).toBe('APP_ERR_UNAUTHENTICATED')
    const forged = await me('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.')
    expect(forged.statusCode).toBe(401)
    expect(forged.headers['www-authenticate']).toContain('invalid_token')
  })

  it('rotates refresh tokens: each is spent once, and a spent one revokes its successors', async () => {
    const first = (await login('alice', PASSWORD)).json()
    const rotated = await refresh(first.refresh_token)
    expect(rotated.statusCode).toBe(200)
    expect(rotated.headers['cache-control']).toBe('no-store')
    const second = rotated.json()
    expect(second.token_type).toBe('Bearer')
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect((await me(second.access_token)).json().name).toBe('alice')

    const reused = await refresh(first.refresh_token)
    expect(reused.statusCode).toBe(401)
    expect(reused.json().code).toBe('APP_ERR_UNAUTHENTICATED')
    // The spent token came back: whoever holds its successor may have stolen it.
    expect((await refresh(second.refresh_token)).statusCode).toBe(401)
  })

  it('logs out: the refresh token stops working', async () => {
    const pair = (await login('alice', PASSWORD)).json()
    const out = await app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      payload: { refresh_token: pair.refresh_token },
    })
    expect(out.statusCode).toBe(204)
    expect(out.body).toBe('')
    expect((await refresh(pair.refresh_token)).statusCode).toBe(401)
  })

  it('takes a login body of 4 KB at most', async () => {
    const response = await login('alice', 'x'.repeat(5000))
    expect(response.statusCode).toBe(413)
    expect(response.json().code).toBe('APP_ERR_BODY_TOO_LARGE')
    // A fixed limit: no setting to raise.
    expect(response.json().detail).toBe('Request body exceeds the limit of 4096 bytes; send less')
  })

  it('validates the login body', async () => {
    const long = await login('a'.repeat(65), PASSWORD)
    expect(long.statusCode).toBe(400)
    expect(long.json().errors).toContainEqual(expect.objectContaining({ field: 'body.name' }))
    const missing = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { name: 'alice' },
    })
    expect(missing.statusCode).toBe(400)
  })

  it('declares the auth routes public in OpenAPI, and /api/auth/me behind a credential', async () => {
    const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    for (const path of ['/api/auth/login', '/api/auth/refresh', '/api/auth/logout']) {
      expect(document.paths[path].post.tags).toEqual(['auth'])
      expect(document.paths[path].post.security).toEqual([])
    }
    expect(document.paths['/api/auth/me'].get.security).not.toEqual([])
  })
})

describe('/api/auth/me with AUTH=off', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = await createTestApp({
      AUTH: 'off',
      MAX_PROMPT_LENGTH: '5000',
      LLM_ALLOWED_MODELS: 'model-a,model-b',
      LLM_MODEL: 'model-a',
    })
  })
  afterAll(() => app.close())

  it('answers the anonymous client, who may do everything, and the settings that shape a request', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/auth/me' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      auth: 'off',
      id: null,
      name: null,
      admin: true,
      settings: {
        default_model: 'model-a',
        allowed_models: ['model-a', 'model-b'],
        max_prompt_length: 5000,
        verify_default: false,
      },
    })
  })

  it('answers a setting changed at run time at once', async () => {
    await app.services.access.settings.update({ max_prompt_length: 1200 }, null)
    const response = await app.inject({ method: 'GET', url: '/api/auth/me' })
    expect(response.json().settings.max_prompt_length).toBe(1200)
  })
})
