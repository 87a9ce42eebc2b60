import type { FastifyInstance, RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../helpers/app.js'
import { CODE_REPLY, DOCS, llmEnv, repliesByStage, TESTS_REPLY } from '../helpers/generation.js'
import { CHAT, suiteUpstream } from '../helpers/scripted-llm.js'

const AUTH_ON = {
  AUTH: 'on',
  JWT_SECRET: 'a-signing-secret-for-the-admin-route-tests',
  RATE_LIMIT_REQUESTS: '0',
}

describe('/api/admin', () => {
  const upstream = suiteUpstream()
  let app: FastifyInstance
  /** Every admin route as declared, `METHOD /path`. */
  const adminRoutes: string[] = []
  let root: string
  let alice: string
  let aliceId: string

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  const login = (name: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password } })
  const tokenOf = async (name: string, password: string) =>
    (await login(name, password)).json().access_token as string
  const asRoot = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, headers: bearer(root), ...(payload ? { payload } : {}) })

  beforeAll(async () => {
    upstream.on(
      CHAT,
      repliesByStage(() => ({ code: CODE_REPLY, tests: TESTS_REPLY, docs: DOCS })),
    )
    app = await createTestApp(llmEnv(upstream, AUTH_ON), {
      onRoute: (route: RouteOptions) => {
        for (const method of [route.method].flat()) {
          if (route.url.startsWith('/api/admin') && method !== 'HEAD')
            adminRoutes.push(`${method} ${route.url}`)
        }
      },
    })
    const { users } = app.services.access
    await users.create({ name: 'root', admin: true, password: 'root password of the tests' }, null)
    aliceId = (await users.create({ name: 'alice', password: 'alice password of the tests' }, null))
      .user.id
    root = await tokenOf('root', 'root password of the tests')
    alice = await tokenOf('alice', 'alice password of the tests')
  })
  afterAll(() => app.close())

  it('answers 403 to a user who is not an administrator, on every admin route', async () => {
    expect(adminRoutes.length).toBeGreaterThanOrEqual(11)
    for (const route of adminRoutes) {
      const [method, path] = route.split(' ') as ['GET', string]
      const url = path.replace(':id', aliceId).replace(':keyId', 'some-key')
      const response = await app.inject({ method, url, headers: bearer(alice), payload: {} })
      expect(response.statusCode, route).toBe(403)
      expect(response.json().code, route).toBe('APP_ERR_FORBIDDEN')
      const anonymous = await app.inject({ method, url })
      expect(anonymous.statusCode, route).toBe(401)
    }
  })

  it('answers 200 to an administrator on every GET route', async () => {
    const reads = adminRoutes.filter((route) => route.startsWith('GET '))
    expect(reads.length).toBeGreaterThanOrEqual(6)
    for (const route of reads) {
      const url = route.slice(4).replace(':id', aliceId)
      const response = await asRoot('GET', url)
      expect(response.statusCode, route).toBe(200)
      expect(response.headers['cache-control'], route).toBe('no-store')
    }
  })

  it('creates a user with a generated password, shown once, that logs in', async () => {
    const response = await asRoot('POST', '/api/admin/users', { name: 'carol' })
    expect(response.statusCode).toBe(201)
    const { user, password } = response.json()
    expect(user).toEqual({
      id: expect.any(String),
      name: 'carol',
      admin: false,
      disabled: false,
      limits: {},
      external: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      last_login_at: null,
    })
    expect(password).toEqual(expect.any(String))
    expect((await login('carol', password)).statusCode).toBe(200)
    const fetched = (await asRoot('GET', `/api/admin/users/${user.id}`)).json()
    expect(fetched.last_login_at).not.toBeNull()
    expect(JSON.stringify(fetched)).not.toMatch(/scrypt|hash/)

    const given = await asRoot('POST', '/api/admin/users', {
      name: 'dave',
      admin: true,
      password: 'dave password of the tests',
    })
    expect(given.statusCode).toBe(201)
    expect(given.json()).not.toHaveProperty('password')
    expect(given.json().user.admin).toBe(true)

    const taken = await asRoot('POST', '/api/admin/users', { name: 'carol' })
    expect(taken.statusCode).toBe(409)
    expect(taken.json().code).toBe('APP_ERR_CONFLICT')
  })

  it('changes budget overrides, where null removes one, and disables and deletes users', async () => {
    const { user } = (
      await asRoot('POST', '/api/admin/users', { name: 'erin', password: 'erin password 1' })
    ).json()
    const set = await asRoot('PATCH', `/api/admin/users/${user.id}`, {
      limits: { tokens_per_day: 1000, requests_per_minute: 5 },
    })
    expect(set.statusCode).toBe(200)
    expect(set.json().limits).toEqual({ tokens_per_day: 1000, requests_per_minute: 5 })
    const removed = await asRoot('PATCH', `/api/admin/users/${user.id}`, {
      limits: { tokens_per_day: null },
    })
    expect(removed.json().limits).toEqual({ requests_per_minute: 5 })

    const disabled = await asRoot('PATCH', `/api/admin/users/${user.id}`, { disabled: true })
    expect(disabled.json().disabled).toBe(true)
    expect((await login('erin', 'erin password 1')).statusCode).toBe(401)

    const invalid = await asRoot('PATCH', `/api/admin/users/${user.id}`, {
      limits: { tokens_per_day: -1 },
    })
    expect(invalid.statusCode).toBe(400)

    expect((await asRoot('DELETE', `/api/admin/users/${user.id}`)).statusCode).toBe(204)
    const gone = await asRoot('GET', `/api/admin/users/${user.id}`)
    expect(gone.statusCode).toBe(404)
    expect(gone.json().code).toBe('APP_ERR_NOT_FOUND')
  })

  it('lists and revokes a user’s keys', async () => {
    const created = (
      await app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: bearer(alice),
        payload: { name: 'laptop' },
      })
    ).json()
    const listed = (await asRoot('GET', `/api/admin/users/${aliceId}/keys`)).json()
    expect(listed.items.map((key: { id: string }) => key.id)).toContain(created.id)
    const revoke = await asRoot('DELETE', `/api/admin/users/${aliceId}/keys/${created.id}`)
    expect(revoke.statusCode).toBe(204)
    expect(
      (await app.inject({ method: 'GET', url: '/api/keys', headers: { 'x-api-key': created.key } }))
        .statusCode,
    ).toBe(401)
    expect(
      (await asRoot('DELETE', `/api/admin/users/${aliceId}/keys/${created.id}`)).statusCode,
    ).toBe(404)
  })

  it('changes runtime settings: PATCH answers them, GET shows them', async () => {
    const patched = await asRoot('PATCH', '/api/admin/settings', {
      max_prompt_length: 5000,
      budgets: { tokens_per_day: 123456 },
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toMatchObject({
      max_prompt_length: 5000,
      budgets: { tokens_per_day: 123456 },
    })
    const described = (await asRoot('GET', '/api/admin/settings')).json()
    expect(described.settings).toMatchObject({
      max_prompt_length: 5000,
      budgets: { tokens_per_day: 123456 },
    })
    expect(described.overridden).toEqual(expect.arrayContaining(['max_prompt_length', 'budgets']))

    const invalid = await asRoot('PATCH', '/api/admin/settings', { max_prompt_length: 1 })
    expect(invalid.statusCode).toBe(400)
    const reset = await asRoot('PATCH', '/api/admin/settings', {
      max_prompt_length: null,
      budgets: null,
    })
    expect(reset.json().budgets.tokens_per_day).toBe(described.defaults.budgets.tokens_per_day)
  })

  it('keeps an audit trail of logins, failed logins, keys and settings', async () => {
    await login('alice', 'a wrong password')
    const key = (
      await app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: bearer(alice),
        payload: { name: 'audited' },
      })
    ).json()
    await app.inject({ method: 'DELETE', url: `/api/keys/${key.id}`, headers: bearer(alice) })
    await asRoot('PATCH', '/api/admin/settings', { verify_default: false })

    const trail = (await asRoot('GET', '/api/admin/audit?limit=100')).json()
    const actions = trail.items.map((entry: { action: string }) => entry.action)
    for (const action of [
      'login',
      'login.failed',
      'key.created',
      'key.revoked',
      'settings.changed',
    ]) {
      expect(actions, action).toContain(action)
    }
    const revoked = trail.items.find((entry: { action: string }) => entry.action === 'key.revoked')
    expect(revoked).toMatchObject({
      actor_id: aliceId,
      actor_name: 'alice',
      target: key.id,
      ip: '127.0.0.1',
    })
    expect(JSON.stringify(trail)).not.toContain('a wrong password')
    expect(JSON.stringify(trail)).not.toContain(key.key)

    const logins = (await asRoot('GET', '/api/admin/audit?action=login&limit=100')).json()
    expect(logins.items.length).toBeGreaterThan(0)
    for (const entry of logins.items) expect(entry.action).toMatch(/^login(\.|$)/)
    const byAlice = (await asRoot('GET', '/api/admin/audit?user=alice&limit=100')).json()
    expect(byAlice.items.length).toBeGreaterThan(0)
    for (const entry of byAlice.items) expect(entry.actor_id).toBe(aliceId)

    const page = (await asRoot('GET', '/api/admin/audit?limit=2')).json()
    expect(page.items).toHaveLength(2)
    const next = (await asRoot('GET', `/api/admin/audit?limit=2&cursor=${page.next_cursor}`)).json()
    expect(next.items[0].id).not.toBe(page.items[0].id)

    const future = (await asRoot('GET', '/api/admin/audit?from=2999-01-01')).json()
    expect(future.items).toEqual([])
    expect((await asRoot('GET', '/api/admin/audit?from=yesterday')).statusCode).toBe(400)
  })

  it('reports usage by day, user and model after a generation', async () => {
    const generated = await app.inject({
      method: 'POST',
      url: '/api/generate',
      headers: bearer(alice),
      payload: {
        prompt: 'parse an ISO-8601 duration into seconds',
        programming_language: 'python',
        include_tests: false,
        include_docs: false,
        options: { cache: false },
      },
    })
    expect(generated.statusCode).toBe(200)
    await asRoot('PATCH', '/api/admin/settings', {
      prices: { 'scripted-model': { input_per_million_tokens: 1, output_per_million_tokens: 2 } },
    })

    const today = new Date().toISOString().slice(0, 10)
    for (const user of ['alice', aliceId]) {
      const response = await asRoot(
        'GET',
        `/api/admin/usage?from=${today}&to=${today}&user=${user}`,
      )
      expect(response.statusCode).toBe(200)
      const report = response.json()
      expect(report.rows).toEqual([
        expect.objectContaining({
          day: today,
          user_id: aliceId,
          user: 'alice',
          model: 'scripted-model',
          generations: 1,
        }),
      ])
      expect(report.totals.total_tokens).toBeGreaterThan(0)
      expect(report.totals.estimated_cost_usd).toBeGreaterThan(0)
    }
    const nobody = (await asRoot('GET', '/api/admin/usage?user=nobody')).json()
    expect(nobody.rows).toEqual([])
    expect((await asRoot('GET', '/api/admin/usage?from=2026-13-45')).statusCode).toBe(400)
  })

  it('refuses to demote or delete the last enabled administrator', async () => {
    const users = (await asRoot('GET', '/api/admin/users')).json().items as {
      id: string
      name: string
      admin: boolean
    }[]
    // dave, made an administrator above, steps down first: root is then the last one.
    const dave = users.find((user) => user.name === 'dave')
    if (dave) await asRoot('PATCH', `/api/admin/users/${dave.id}`, { admin: false })
    const rootId = users.find((user) => user.name === 'root')?.id as string
    const demoted = await asRoot('PATCH', `/api/admin/users/${rootId}`, { admin: false })
    expect(demoted.statusCode).toBe(409)
    expect(demoted.json().code).toBe('APP_ERR_CONFLICT')
    expect((await asRoot('DELETE', `/api/admin/users/${rootId}`)).statusCode).toBe(409)
  })

  it('declares every admin route in OpenAPI under the admin tag, behind a credential', async () => {
    const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    for (const route of adminRoutes) {
      const [method, path] = route.split(' ') as [string, string]
      const operation = document.paths[path.replace(/:(\w+)/g, '{$1}')][method.toLowerCase()]
      expect(operation.tags, route).toEqual(['admin'])
      expect(operation.description, route).toMatch(/Administrators only/)
      expect(operation.security, route).not.toEqual([])
      expect(operation.responses, route).toHaveProperty('403')
    }
  })
})
