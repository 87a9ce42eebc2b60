import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../helpers/app.js'

const AUTH_ON = {
  AUTH: 'on',
  JWT_SECRET: 'a-signing-secret-for-the-keys-route-tests',
  RATE_LIMIT_REQUESTS: '0',
}

describe('/api/keys with AUTH=on', () => {
  let app: FastifyInstance
  /** Access tokens of two users. */
  let alice: string
  let bob: string

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

  beforeAll(async () => {
    app = await createTestApp(AUTH_ON)
    const { users } = app.services.access
    await users.create({ name: 'root', admin: true, password: 'root password of the tests' }, null)
    const token = async (name: string) => {
      const password = `${name} password of the tests`
      await users.create({ name, password }, null)
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { name, password },
      })
      return response.json().access_token as string
    }
    alice = await token('alice')
    bob = await token('bob')
  })
  afterAll(() => app.close())

  const create = (token: string, payload: object) =>
    app.inject({ method: 'POST', url: '/api/keys', headers: bearer(token), payload })
  const list = async (token: string) =>
    (await app.inject({ method: 'GET', url: '/api/keys', headers: bearer(token) })).json()
  const revoke = (token: string, id: string) =>
    app.inject({ method: 'DELETE', url: `/api/keys/${id}`, headers: bearer(token) })
  const meWith = (headers: Record<string, string>) =>
    app.inject({ method: 'GET', url: '/api/auth/me', headers })

  it('creates a key, shown once, that works as X-API-Key and as a Bearer token until revoked', async () => {
    const response = await create(alice, { name: 'ci' })
    expect(response.statusCode).toBe(201)
    expect(response.headers['cache-control']).toBe('no-store')
    const created = response.json()
    expect(created).toEqual({
      key: expect.stringMatching(/^vg_[A-Za-z0-9_-]{43}$/),
      id: expect.any(String),
      name: 'ci',
      prefix: created.key.slice(0, 9),
      created_at: expect.any(String),
      expires_at: null,
    })

    const listed = await list(alice)
    expect(listed.items).toEqual([
      {
        id: created.id,
        name: 'ci',
        prefix: created.prefix,
        created_at: created.created_at,
        expires_at: null,
        last_used_at: null,
        revoked_at: null,
      },
    ])
    expect(JSON.stringify(listed)).not.toContain(created.key)

    for (const headers of [{ 'x-api-key': created.key }, bearer(created.key)]) {
      const answer = await meWith(headers)
      expect(answer.statusCode).toBe(200)
      expect(answer.json()).toMatchObject({ name: 'alice', via: 'api_key' })
    }
    expect((await list(alice)).items[0].last_used_at).not.toBeNull()

    const revoked = await revoke(alice, created.id)
    expect(revoked.statusCode).toBe(204)
    const refused = await meWith({ 'x-api-key': created.key })
    expect(refused.statusCode).toBe(401)
    expect(refused.json().code).toBe('APP_ERR_UNAUTHENTICATED')
    expect((await list(alice)).items[0].revoked_at).not.toBeNull()
  })

  it('sets an expiry from expires_in_days', async () => {
    const before = Date.now()
    const created = (await create(alice, { name: 'monthly', expires_in_days: 30 })).json()
    const expires = Date.parse(created.expires_at)
    expect(expires).toBeGreaterThanOrEqual(before + 30 * 86_400_000)
    expect(expires).toBeLessThan(Date.now() + 30 * 86_400_000 + 1000)
  })

  it('validates the request', async () => {
    for (const payload of [
      {},
      { name: '' },
      { name: 'x', expires_in_days: 0 },
      { name: 'x', expires_in_days: 3651 },
      { name: 'x', key: 'vg_mine' },
    ]) {
      const response = await create(alice, payload)
      expect(response.statusCode, JSON.stringify(payload)).toBe(400)
      expect(response.json().code).toBe('APP_ERR_VALIDATION')
    }
  })

  it("answers 404 for someone else's key and an unknown one, and leaves the key working", async () => {
    const created = (await create(alice, { name: 'private' })).json()
    expect((await list(bob)).items).toEqual([])
    const theirs = await revoke(bob, created.id)
    expect(theirs.statusCode).toBe(404)
    expect(theirs.json().code).toBe('APP_ERR_NOT_FOUND')
    expect((await revoke(bob, 'no-such-key')).statusCode).toBe(404)
    expect((await meWith({ 'x-api-key': created.key })).statusCode).toBe(200)
  })

  it('needs a credential', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/keys' })
    expect(response.statusCode).toBe(401)
  })
})

describe('/api/keys with AUTH=off', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = await createTestApp({ AUTH: 'off' })
  })
  afterAll(() => app.close())

  it('answers 403: keys belong to users', async () => {
    for (const request of [
      { method: 'GET', url: '/api/keys' },
      { method: 'POST', url: '/api/keys', payload: { name: 'ci' } },
      { method: 'DELETE', url: '/api/keys/some-id' },
    ] as const) {
      const response = await app.inject(request)
      expect(response.statusCode, request.method).toBe(403)
      expect(response.json()).toMatchObject({
        code: 'APP_ERR_FORBIDDEN',
        detail: 'API keys belong to users: they need AUTH=on',
      })
    }
  })
})
