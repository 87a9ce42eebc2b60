import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DependencyError, UnauthenticatedError } from '../../errors.js'
import { AccessTokens, type TokenOptions } from './tokens.js'

const SECRET = 'a-test-secret-of-at-least-32-characters!'
const EXTERNAL = { issuer: 'https://idp.example.test', audience: 'verigen-api' }

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url')
}

/** A clock the tests move by hand, starting at the real time (the JWKS cache uses real time). */
function movableClock() {
  let now = Date.now()
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

/** A JWKS endpoint on 127.0.0.1 serving one RSA public key, as an OIDC issuer would. */
async function startIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' }
  let requests = 0
  const server = createServer((request, response) => {
    requests++
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
  return { server, url, privateKey, requests: () => requests }
}

async function expectRefused(promise: Promise<unknown>, detail: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(UnauthenticatedError)
  expect((error as UnauthenticatedError).message).toMatch(detail)
  expect((error as UnauthenticatedError).headers['www-authenticate']).toContain('invalid_token')
}

describe('AccessTokens', () => {
  let issuer: { server: Server; url: string; privateKey: CryptoKey; requests: () => number }
  let options: TokenOptions

  beforeAll(async () => {
    issuer = await startIssuer()
    options = {
      jwtSecret: SECRET,
      accessTtlMs: 15 * 60_000,
      clockToleranceMs: 30_000,
      jwks: { url: issuer.url, ...EXTERNAL },
    }
  })
  afterAll(() => new Promise((resolve) => issuer.server.close(resolve)))

  function externalToken(audience = EXTERNAL.audience) {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ preferred_username: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer(EXTERNAL.issuer)
      .setAudience(audience)
      .setSubject('external-subject-1')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(issuer.privateKey)
  }

  it('signs HS256 tokens with iss, aud, sub, jti, iat and exp, and verifies them', async () => {
    const clock = movableClock()
    const tokens = new AccessTokens(options, clock)
    const { token, expiresIn } = await tokens.sign('user-1')
    expect(expiresIn).toBe(900)
    const [header, payload] = token.split('.').map((part) => Buffer.from(part, 'base64url'))
    expect(JSON.parse(header!.toString())).toEqual({ alg: 'HS256', typ: 'JWT' })
    const claims = JSON.parse(payload!.toString()) as Record<string, unknown>
    expect(claims).toMatchObject({ iss: 'verigen', aud: 'verigen', sub: 'user-1' })
    expect(claims.exp).toBe((claims.iat as number) + 900)
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/)
    expect(await tokens.verify(token)).toMatchObject({ source: 'ours', subject: 'user-1' })
  })

  it('refuses an expired token once the clock tolerance has passed', async () => {
    const clock = movableClock()
    const tokens = new AccessTokens(options, clock)
    const { token } = await tokens.sign('user-1')
    clock.advance(15 * 60_000 + 10_000)
    expect((await tokens.verify(token)).subject).toBe('user-1')
    clock.advance(30_000)
    await expectRefused(tokens.verify(token), /^The access token has expired$/)
  })

  it('refuses a token signed with another secret', async () => {
    const other = new AccessTokens(
      { ...options, jwtSecret: 'another-secret-of-32-characters-or-more' },
      movableClock(),
    )
    const { token } = await other.sign('user-1')
    await expectRefused(
      new AccessTokens(options, movableClock()).verify(token),
      /^The access token is not valid$/,
    )
  })

  it("refuses an unsigned token (alg: none), whoever's issuer it names", async () => {
    const tokens = new AccessTokens(options, movableClock())
    const now = Math.floor(Date.now() / 1000)
    for (const iss of ['verigen', EXTERNAL.issuer]) {
      const aud = iss === 'verigen' ? 'verigen' : EXTERNAL.audience
      const payload = { iss, aud, sub: 'user-1', iat: now, exp: now + 300 }
      const token = `${base64url('{"alg":"none"}')}.${base64url(JSON.stringify(payload))}.`
      await expectRefused(tokens.verify(token), /^The access token is not valid$/)
    }
  })

  it('refuses an HS256 token naming the external issuer, even signed with our own secret', async () => {
    const tokens = new AccessTokens(options, movableClock())
    const now = Math.floor(Date.now() / 1000)
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(EXTERNAL.issuer)
      .setAudience(EXTERNAL.audience)
      .setSubject('external-subject-1')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(SECRET))
    await expectRefused(tokens.verify(token), /^The access token is not valid$/)
  })

  it('refuses an RS256 token claiming to be ours, even from the trusted issuer', async () => {
    const tokens = new AccessTokens(options, movableClock())
    const now = Math.floor(Date.now() / 1000)
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer('verigen')
      .setAudience('verigen')
      .setSubject('user-1')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(issuer.privateKey)
    await expectRefused(tokens.verify(token), /^The access token is not valid$/)
  })

  it("accepts the external issuer's RS256 token checked against its JWKS", async () => {
    const tokens = new AccessTokens(options, movableClock())
    const verified = await tokens.verify(await externalToken())
    expect(verified).toMatchObject({
      source: 'external',
      issuer: EXTERNAL.issuer,
      subject: 'external-subject-1',
      claims: { preferred_username: 'alice' },
    })
    expect(issuer.requests()).toBeGreaterThan(0)
  })

  it("refuses the external issuer's token for another audience, or expired", async () => {
    const clock = movableClock()
    const tokens = new AccessTokens(options, clock)
    await expectRefused(
      tokens.verify(await externalToken('someone-else')),
      /^The access token is not valid$/,
    )
    const token = await externalToken()
    clock.advance(300_000 + 31_000)
    await expectRefused(tokens.verify(token), /^The access token has expired$/)
  })

  it('refuses tokens of unknown issuers, garbage, and any token when it has nothing to check with', async () => {
    const tokens = new AccessTokens(options, movableClock())
    const now = Math.floor(Date.now() / 1000)
    const stranger = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://elsewhere.test')
      .setSubject('x')
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(SECRET))
    await expectRefused(tokens.verify(stranger), /issuer this server does not accept/)
    await expectRefused(tokens.verify('not.a.jwt'), /^The access token is not valid$/)
    await expectRefused(tokens.verify(''), /^The access token is not valid$/)

    const { token } = await tokens.sign('user-1')
    const unsigned = new AccessTokens({ ...options, jwtSecret: null, jwks: null }, movableClock())
    expect(unsigned.canSign).toBe(false)
    await expectRefused(unsigned.verify(token), /issuer this server does not accept/)
    await expect(unsigned.sign('user-1')).rejects.toThrow(/No JWT secret/)
  })

  it("answers 503 when the external issuer's keys cannot be fetched", async () => {
    const dead = createServer()
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/jwks.json`
    await new Promise((resolve) => dead.close(resolve))
    const tokens = new AccessTokens({ ...options, jwks: { url, ...EXTERNAL } }, movableClock())
    await expect(tokens.verify(await externalToken())).rejects.toBeInstanceOf(DependencyError)
  })
})
