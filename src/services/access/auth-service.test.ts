import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import { AppError, UnauthenticatedError } from '../../errors.js'
import { ApiKeys } from './api-keys.js'
import { AuditTrail } from './audit.js'
import { AuthService, type AuthOptions } from './auth-service.js'
import { UserAdmin } from './users.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const EXTERNAL = { issuer: 'https://idp.example.test', audience: 'verigen-api' }
const IP = '192.0.2.10'

async function refusal(promise: Promise<unknown>): Promise<UnauthenticatedError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(UnauthenticatedError)
  expect((error as UnauthenticatedError).headers['www-authenticate']).toContain('invalid_token')
  return error as UnauthenticatedError
}

describe('AuthService', () => {
  let jwks: { server: Server; url: string; privateKey: CryptoKey }
  let store: SqliteGenerationStore
  let users: UserAdmin
  let keys: ApiKeys
  let auth: AuthService
  let options: AuthOptions
  let now = Date.now()
  const clock = { now: () => now }

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256' }
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: [jwk] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`
    jwks = { server, url, privateKey }
  })
  afterAll(() => new Promise((resolve) => jwks.server.close(resolve)))

  beforeEach(async () => {
    now = Date.now()
    store = await SqliteGenerationStore.open('sqlite://:memory:')
    const audit = new AuditTrail(store.access, clock, silent)
    users = new UserAdmin(store.access, audit, clock)
    keys = new ApiKeys(store.access, audit, clock)
    options = {
      jwtSecret: 'a-test-secret-of-at-least-32-characters!',
      accessTtlMs: 15 * 60_000,
      refreshTtlMs: 7 * 86_400_000,
      clockToleranceMs: 5_000,
      jwks: { url: jwks.url, ...EXTERNAL },
      login: { maxFailures: 3, maxFailuresPerIp: 10, windowMs: 15 * 60_000 },
    }
    auth = new AuthService(store.access, audit, clock, silent, options)
    await users.create({ name: 'alice', password: 'alice password' }, null)
  })
  afterEach(() => store.close())

  const auditActions = async () =>
    (await store.access.listAudit({ limit: 100 })).items.map((item) => item.action)

  function externalToken(subject: string, preferredUsername?: string) {
    const seconds = Math.floor(now / 1000)
    return new SignJWT(
      preferredUsername === undefined ? {} : { preferred_username: preferredUsername },
    )
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer(EXTERNAL.issuer)
      .setAudience(EXTERNAL.audience)
      .setSubject(subject)
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + 300)
      .sign(jwks.privateKey)
  }

  it('logs in, and the access token proves the user', async () => {
    const pair = await auth.login('alice', 'alice password', IP)
    expect(pair).toMatchObject({ token_type: 'Bearer', expires_in: 900 })
    expect(pair.refresh_token).toMatch(/^vgr_[A-Za-z0-9_-]{43}$/)
    const principal = await auth.authenticate(pair.access_token)
    expect(principal).toMatchObject({ name: 'alice', admin: false, via: 'token', limits: {} })
    const user = await users.findByName('alice')
    expect(user!.lastLoginAt).not.toBeNull()
    expect(await auditActions()).toContain('login')
    const stored = await store.access.findRefreshToken(
      createHash('sha256').update(pair.refresh_token).digest('hex'),
    )
    expect(stored).toMatchObject({ userId: user!.id, revokedAt: null })
  })

  it('answers a wrong password and an unknown user with the same error, auditing both', async () => {
    const wrong = await refusal(auth.login('alice', 'not her password', IP))
    const unknown = await refusal(auth.login('mallory', 'any password', IP))
    await users.create({ name: 'nopass' }, null)
    const passwordless = await refusal(auth.login('nopass', 'any password', IP))
    for (const error of [wrong, unknown, passwordless]) {
      expect(error.message).toBe('Invalid user name or password')
      expect(error.code).toBe('APP_ERR_UNAUTHENTICATED')
    }
    const failures = (await store.access.listAudit({ limit: 10, action: 'login.failed' })).items
    expect(failures.map((item) => item.target).sort()).toEqual(['alice', 'mallory', 'nopass'])
    expect(failures.every((item) => item.ip === IP)).toBe(true)
    expect(JSON.stringify(failures)).not.toMatch(/password/)
  })

  it('blocks a name after its failures, the same for an unknown name, even with the right password', async () => {
    for (const name of ['alice', 'ghost'])
      for (let index = 0; index < 3; index++)
        await refusal(auth.login(name, 'wrong password', `198.51.100.${index}`))
    for (const name of ['alice', 'ghost']) {
      const blocked = await auth.login(name, 'alice password', IP).catch((error) => error)
      expect(blocked).toBeInstanceOf(AppError)
      expect(blocked).toMatchObject({
        code: 'APP_ERR_RATE_LIMITED',
        headers: { 'retry-after': '900' },
      })
    }
    now += 15 * 60_000 + 1
    await expect(auth.login('alice', 'alice password', IP)).resolves.toBeTruthy()
  })

  it('blocks an address after its failures across names', async () => {
    for (let index = 0; index < 10; index++)
      await refusal(auth.login(`guess${index}`, 'wrong password', '203.0.113.1'))
    await expect(auth.login('alice', 'alice password', '203.0.113.1')).rejects.toMatchObject({
      code: 'APP_ERR_RATE_LIMITED',
    })
    await expect(auth.login('alice', 'alice password', '203.0.113.2')).resolves.toBeTruthy()
  })

  it('refuses an expired access token (the clock moved)', async () => {
    const { access_token } = await auth.login('alice', 'alice password', IP)
    now += 15 * 60_000 + 6_000
    const error = await refusal(auth.authenticate(access_token))
    expect(error.message).toBe('The access token has expired')
  })

  it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
    const first = await auth.login('alice', 'alice password', IP)
    const second = await auth.refresh(first.refresh_token, IP)
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect((await auth.authenticate(second.access_token)).name).toBe('alice')
    const third = await auth.refresh(second.refresh_token, IP)

    const reused = await refusal(auth.refresh(first.refresh_token, IP))
    expect(reused.message).toMatch(/already used/)
    expect(await auditActions()).toContain('refresh.reused')
    // The thief's (or the owner's) newest token died with the family.
    await refusal(auth.refresh(third.refresh_token, IP))
    // Another login is another family, untouched.
    const other = await auth.login('alice', 'alice password', IP)
    await expect(auth.refresh(other.refresh_token, IP)).resolves.toBeTruthy()
  })

  it('refuses an unknown or expired refresh token', async () => {
    expect((await refusal(auth.refresh('vgr_unknown', IP))).message).toBe(
      'The refresh token is not valid',
    )
    const pair = await auth.login('alice', 'alice password', IP)
    now += options.refreshTtlMs + 1
    expect((await refusal(auth.refresh(pair.refresh_token, IP))).message).toMatch(/expired/)
  })

  it('logs out: the refresh token stops working; unknown tokens are no error', async () => {
    const pair = await auth.login('alice', 'alice password', IP)
    await auth.logout(pair.refresh_token, { id: null, name: 'alice', ip: IP })
    await auth.logout(pair.refresh_token, null)
    await auth.logout('vgr_never-issued', null)
    await refusal(auth.refresh(pair.refresh_token, IP))
    expect(await auditActions()).toContain('logout')
  })

  it('accepts a live API key and records its use; refuses revoked, expired and unknown ones', async () => {
    const alice = (await users.findByName('alice'))!
    const live = await keys.create(alice.id, { name: 'live', expiresAt: null }, null)
    const principal = await auth.authenticate(live.key)
    expect(principal).toMatchObject({ id: alice.id, name: 'alice', via: 'api_key' })
    expect((await keys.list(alice.id))[0]!.lastUsedAt).not.toBeNull()

    const revoked = await keys.create(alice.id, { name: 'revoked', expiresAt: null }, null)
    await keys.revoke(alice.id, revoked.entry.id, null)
    expect((await refusal(auth.authenticate(revoked.key))).message).toBe(
      'The API key has been revoked',
    )
    const expiring = await keys.create(
      alice.id,
      { name: 'expiring', expiresAt: new Date(now + 60_000).toISOString() },
      null,
    )
    now += 60_001
    expect((await refusal(auth.authenticate(expiring.key))).message).toBe('The API key has expired')
    const forged = `vg_${'A'.repeat(43)}`
    const error = await refusal(auth.authenticate(forged))
    expect(error.message).toBe('The API key is not valid')
    expect(error.message).not.toContain(forged)
  })

  it('refuses a disabled user by every credential', async () => {
    await users.create({ name: 'root', admin: true }, null)
    const alice = (await users.findByName('alice'))!
    const { key } = await keys.create(alice.id, { name: 'ci', expiresAt: null }, null)
    const pair = await auth.login('alice', 'alice password', IP)
    const external = await externalToken('subject-9', 'erin')
    const erin = await auth.authenticate(external)

    await users.disableByName('alice', null)
    await users.disableByName('erin', null)
    await refusal(auth.authenticate(key))
    await refusal(auth.authenticate(pair.access_token))
    await refusal(auth.refresh(pair.refresh_token, IP))
    await refusal(auth.authenticate(external))
    expect((await refusal(auth.login('alice', 'alice password', IP))).message).toBe(
      'Invalid user name or password',
    )
    expect(erin.via).toBe('external')
  })

  it("creates a user on first sight of an external issuer's token, once", async () => {
    const token = await externalToken('subject-1', 'dana')
    const first = await auth.authenticate(token)
    expect(first).toMatchObject({ name: 'dana', admin: false, via: 'external' })
    const again = await auth.authenticate(await externalToken('subject-1', 'dana'))
    expect(again.id).toBe(first.id)
    const user = await users.get(first.id)
    expect(user).toMatchObject({ issuer: EXTERNAL.issuer, subject: 'subject-1' })
    expect(user.passwordHash).toBeNull()
    const created = (await store.access.listAudit({ limit: 10, action: 'user.created' })).items
    expect(created.filter((item) => item.target === first.id)).toHaveLength(1)
    expect(created.find((item) => item.target === first.id)!.detail).toMatchObject({
      source: 'oidc',
    })
  })

  it('names an external user after sub, made unique when the name is taken', async () => {
    const clash = await auth.authenticate(await externalToken('subject-2', 'alice'))
    const suffix = createHash('sha256')
      .update(EXTERNAL.issuer + 'subject-2')
      .digest('hex')
      .slice(0, 6)
    expect(clash.name).toBe(`alice-${suffix}`)
    const bySub = await auth.authenticate(await externalToken('auth0|12345'))
    expect(bySub.name).toBe('auth0-12345')
  })

  it('refuses logins and refreshes without a JWT secret (409), and then accepts no token', async () => {
    const unsigned = new AuthService(
      store.access,
      new AuditTrail(store.access, clock, silent),
      clock,
      silent,
      { ...options, jwtSecret: null },
    )
    for (const attempt of [
      () => unsigned.login('alice', 'alice password', IP),
      () => unsigned.refresh('vgr_x', IP),
    ])
      await expect(attempt()).rejects.toMatchObject({
        code: 'APP_ERR_CONFLICT',
        message: 'Logins need AUTH=on and JWT_SECRET',
      })
    const { access_token } = await auth.login('alice', 'alice password', IP)
    await refusal(unsigned.authenticate(access_token))
  })
})
