import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, LogCapture } from '../helpers/app.js'
import {
  apiKeyHeader,
  authEnv,
  bearer,
  createUser,
  JWT_SECRET,
  withoutRequestFields,
} from '../helpers/auth.js'

/**
 * Credentials never appear in clear where an attacker with read access to the logs, the API's
 * answers or the database would find them: passwords, API keys, refresh tokens, access tokens and
 * the JWT secret. A failed login tells nothing about whether the user exists, and password
 * guessing is limited per user and per address.
 */

describe('credentials in logs, answers and the database', () => {
  const directory = mkdtempSync(join(tmpdir(), 'credentials-'))
  const databasePath = join(directory, 'verigen.db')
  const logs = new LogCapture()
  let app: FastifyInstance
  /** Every secret the flow below handles; none may be found outside its one-time answer. */
  const secrets = new Map<string, string>()
  /** Bodies of every answer except the one-time ones (login, refresh, a created key, a generated password). */
  const bodies: string[] = []

  const keep = (what: string, value: string) => {
    expect(value.length).toBeGreaterThan(8)
    secrets.set(what, value)
    return value
  }
  /** A request whose answer must hold no secret. */
  const call = async (options: InjectOptions) => {
    const response = await app.inject(options)
    bodies.push(
      `${options.method} ${String(options.url).split('?')[0]} → ${response.statusCode}: ${response.body}`,
    )
    return response
  }
  /** A request whose answer carries a secret once (it is checked for the others). */
  const oneTime = (options: InjectOptions) => app.inject(options)

  beforeAll(async () => {
    keep('JWT_SECRET', JWT_SECRET)
    app = await createTestApp(
      authEnv({ DATABASE_URL: `sqlite://${databasePath}`, LOG_LEVEL: 'debug' }),
      { logDestination: logs.stream },
    )
    const admin = await createUser(app, 'root', {
      admin: true,
      password: keep('admin password', `admin-pass-${randomUUID()}`),
    })
    const adminLogin = await oneTime({
      method: 'POST',
      url: '/api/auth/login',
      payload: { name: admin.name, password: admin.password },
    })
    expect(adminLogin.statusCode).toBe(200)
    const adminToken = keep('admin access token', adminLogin.json().access_token)
    keep('admin refresh token', adminLogin.json().refresh_token)
    const asAdmin = bearer(adminToken)

    // A user with a password the administrator chose, and one with a generated password.
    const chosen = keep('chosen password', `chosen-pass-${randomUUID()}`)
    const created = await call({
      method: 'POST',
      url: '/api/admin/users',
      headers: asAdmin,
      payload: { name: 'victim', password: chosen },
    })
    expect(created.statusCode).toBe(201)
    const victimId = created.json().user.id
    const generated = await oneTime({
      method: 'POST',
      url: '/api/admin/users',
      headers: asAdmin,
      payload: { name: 'generated' },
    })
    expect(generated.statusCode).toBe(201)
    keep('generated password', generated.json().password)

    // Logins (one of them with the generated password), and failed ones.
    const login = await oneTime({
      method: 'POST',
      url: '/api/auth/login',
      payload: { name: 'victim', password: chosen },
    })
    expect(login.statusCode).toBe(200)
    const access = keep('access token', login.json().access_token)
    const refresh = keep('refresh token', login.json().refresh_token)
    const second = await oneTime({
      method: 'POST',
      url: '/api/auth/login',
      payload: { name: 'generated', password: secrets.get('generated password') },
    })
    expect(second.statusCode).toBe(200)
    keep('second refresh token', second.json().refresh_token)
    for (const [name, password] of [
      ['victim', keep('wrong password', `wrong-pass-${randomUUID()}`)],
      ['nobody-here', keep('password of nobody', `nobody-pass-${randomUUID()}`)],
    ] as const) {
      const failed = await call({
        method: 'POST',
        url: '/api/auth/login',
        payload: { name, password },
      })
      expect(failed.statusCode).toBe(401)
    }

    // An API key, used both ways; then revoked and tried again.
    const madeKey = await oneTime({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(access),
      payload: { name: 'ci' },
    })
    expect(madeKey.statusCode).toBe(201)
    const key = keep('API key', madeKey.json().key)
    expect(
      (await call({ method: 'GET', url: '/api/auth/me', headers: apiKeyHeader(key) })).statusCode,
    ).toBe(200)
    expect(
      (await call({ method: 'GET', url: '/api/auth/me', headers: bearer(key) })).statusCode,
    ).toBe(200)
    expect(
      (await call({ method: 'GET', url: '/api/keys', headers: bearer(access) })).statusCode,
    ).toBe(200)
    const revoked = await call({
      method: 'DELETE',
      url: `/api/keys/${madeKey.json().id}`,
      headers: bearer(access),
    })
    expect(revoked.statusCode).toBe(204)
    expect(
      (await call({ method: 'GET', url: '/api/auth/me', headers: apiKeyHeader(key) })).statusCode,
    ).toBe(401)
    // A key made by an administrator for the user, through the services as the CLI does.
    keep(
      'CLI key',
      (await app.services.access.keys.create(victimId, { name: 'cli', expiresAt: null }, null)).key,
    )

    // Refresh, and the spent token presented again (reuse detection).
    const refreshed = await oneTime({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refresh_token: refresh },
    })
    expect(refreshed.statusCode).toBe(200)
    keep('rotated refresh token', refreshed.json().refresh_token)
    keep('rotated access token', refreshed.json().access_token)
    const reused = await call({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refresh_token: refresh },
    })
    expect(reused.statusCode).toBe(401)

    // A token in the query string of an event stream: the request log must not keep it.
    await call({ method: 'GET', url: `/api/jobs/${randomUUID()}/events?access_token=${access}` })

    // The password changed by an administrator, then used; logout.
    const changed = keep('new password', `new-pass-${randomUUID()}`)
    const patched = await call({
      method: 'PATCH',
      url: `/api/admin/users/${victimId}`,
      headers: asAdmin,
      payload: { password: changed },
    })
    expect(patched.statusCode).toBe(200)
    const again = await oneTime({
      method: 'POST',
      url: '/api/auth/login',
      payload: { name: 'victim', password: changed },
    })
    expect(again.statusCode).toBe(200)
    keep('last refresh token', again.json().refresh_token)
    const out = await call({
      method: 'POST',
      url: '/api/auth/logout',
      payload: { refresh_token: again.json().refresh_token },
    })
    expect(out.statusCode).toBe(204)

    // What an administrator reads back: users, keys, the audit trail, the settings.
    for (const url of [
      '/api/admin/users',
      `/api/admin/users/${victimId}`,
      `/api/admin/users/${victimId}/keys`,
      '/api/admin/audit?limit=100',
      '/api/admin/settings',
    ]) {
      const response = await call({ method: 'GET', url, headers: asAdmin })
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200)
    }
  }, 60_000)
  afterAll(async () => {
    await app?.close()
    rmSync(directory, { recursive: true, force: true })
  })

  /** The names of the secrets found in `text`. */
  const found = (text: string) =>
    [...secrets].filter(([, value]) => text.includes(value)).map(([what]) => what)

  it('writes none of them to the logs', () => {
    // The capture saw the flow: a line per request, the logins and the failed ones among them.
    expect(logs.lines.length).toBeGreaterThan(20)
    expect(logs.raw).toContain('/api/auth/login')
    expect(found(logs.raw)).toEqual([])
  })

  it('answers none of them, except in the one answer that hands each out', () => {
    expect(bodies.length).toBeGreaterThan(15)
    const leaks = bodies.flatMap((body) =>
      found(body).map((what) => `${what} in ${body.slice(0, 120)}`),
    )
    expect(leaks).toEqual([])
    // The audit trail recorded what happened, in words, without the secrets.
    const audit = bodies.find((body) => body.startsWith('GET /api/admin/audit'))!
    for (const action of [
      'login',
      'login.failed',
      'key.created',
      'key.revoked',
      'password.changed',
    ])
      expect(audit).toContain(`"${action}"`)
  })

  it('stores none of them: every table of the database, dumped', () => {
    const database = new Database(databasePath, { readonly: true, fileMustExist: true })
    try {
      const tables = database
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all() as Array<{ name: string }>
      const names = tables.map((table) => table.name)
      expect(names).toEqual(
        expect.arrayContaining(['users', 'api_keys', 'refresh_tokens', 'audit_log', 'settings']),
      )
      const dump = tables
        .map(
          ({ name }) =>
            `${name}: ${JSON.stringify(database.prepare(`SELECT * FROM "${name}"`).all())}`,
        )
        .join('\n')
      expect(found(dump)).toEqual([])
      // What is there instead: scrypt hashes of the passwords, digests of the keys and tokens.
      const users = database.prepare('SELECT name, password_hash FROM users').all() as Array<{
        name: string
        password_hash: string
      }>
      expect(users.length).toBe(3)
      for (const user of users) expect(user.password_hash).toMatch(/^scrypt\$/)
      const keys = database.prepare('SELECT key_hash FROM api_keys').all() as Array<{
        key_hash: string
      }>
      expect(keys.length).toBe(2)
      for (const key of keys) expect(key.key_hash).toMatch(/^[0-9a-f]{64}$/)
      const tokens = database.prepare('SELECT token_hash FROM refresh_tokens').all() as Array<{
        token_hash: string
      }>
      expect(tokens.length).toBeGreaterThanOrEqual(5)
    } finally {
      database.close()
    }
  })
})

describe('failed logins', () => {
  let app: FastifyInstance
  const password = `right-pass-${randomUUID()}`

  beforeAll(async () => {
    app = await createTestApp(
      authEnv({ LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '5', LOGIN_WINDOW: '15m' }),
    )
    for (const name of ['guessed', 'other', 'bystander']) await createUser(app, name, { password })
  }, 30_000)
  afterAll(() => app?.close())

  const attempt = (name: string, secret: string, ip: string) =>
    app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { name, password: secret },
      remoteAddress: ip,
    })

  it('answers an unknown user and a wrong password with the same body and header', async () => {
    const wrong = await attempt('other', 'not the password', '10.1.0.1')
    const unknown = await attempt('no-such-user', 'not the password', '10.1.0.2')
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(withoutRequestFields(wrong.json())).toEqual(withoutRequestFields(unknown.json()))
    expect(wrong.headers['www-authenticate']).toBe(unknown.headers['www-authenticate'])
    expect(wrong.json().detail).not.toMatch(/exist|unknown|password is wrong|no user/i)
  })

  it('refuses a user after LOGIN_MAX_FAILURES failures, from any address, the right password included', async () => {
    for (let index = 0; index < 3; index++) {
      expect((await attempt('guessed', `guess ${index}`, `10.2.0.${index}`)).statusCode).toBe(401)
    }
    const refused = await attempt('guessed', password, '10.2.0.99')
    expect(refused.statusCode).toBe(429)
    expect(refused.json().code).toBe('APP_ERR_RATE_LIMITED')
    expect(refused.headers['retry-after']).toMatch(/^[1-9][0-9]*$/)
    // Another user is not locked out by it.
    expect((await attempt('bystander', password, '10.2.0.98')).statusCode).toBe(200)
    // An unknown name is limited the same way, so the 429 tells nothing either.
    for (let index = 0; index < 3; index++)
      await attempt('ghost', `guess ${index}`, `10.3.0.${index}`)
    const ghost = await attempt('ghost', 'another guess', '10.3.0.99')
    expect(ghost.statusCode).toBe(429)
    expect(withoutRequestFields(ghost.json())).toEqual(withoutRequestFields(refused.json()))
  })

  it('refuses an address after LOGIN_MAX_FAILURES_PER_IP failures, whichever names it tries', async () => {
    const ip = '10.4.0.1'
    for (let index = 0; index < 5; index++) {
      expect((await attempt(`sprayed-${index}`, 'password1', ip)).statusCode).toBe(401)
    }
    const refused = await attempt('other', password, ip)
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['retry-after']).toMatch(/^[1-9][0-9]*$/)
    // The same user from another address logs in.
    expect((await attempt('other', password, '10.4.0.2')).statusCode).toBe(200)
  })
})
