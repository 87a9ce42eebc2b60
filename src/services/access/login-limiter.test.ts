import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import { AppError } from '../../errors.js'
import { AuditTrail } from './audit.js'
import { LOGIN_FAILED, LoginLimiter } from './login-limiter.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const LIMITS = { maxFailures: 3, maxFailuresPerIp: 5, windowMs: 60_000 }

describe('LoginLimiter', () => {
  let store: SqliteGenerationStore
  let audit: AuditTrail
  let limiter: LoginLimiter
  let now = 0
  const clock = { now: () => now }

  beforeEach(async () => {
    now = Date.parse('2026-12-01T10:00:00Z')
    store = await SqliteGenerationStore.open('sqlite://:memory:')
    audit = new AuditTrail(store.access, clock, silent)
    limiter = new LoginLimiter(store.access, clock, LIMITS)
  })
  afterEach(() => store.close())

  const fail = (name: string, ip: string) =>
    audit.record({ actor: { id: null, name: null, ip }, action: LOGIN_FAILED, target: name })
  const attempt = (name: string, ip: string | null) => limiter.run(name, ip, async () => 'ran')

  it('refuses a name after its failures, from any address, until the window passes', async () => {
    for (let index = 0; index < 3; index++) {
      expect(await attempt('alice', `192.0.2.${index}`)).toBe('ran')
      await fail('alice', `192.0.2.${index}`)
    }
    const refused = await attempt('alice', '198.51.100.9').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(AppError)
    expect(refused).toMatchObject({
      code: 'APP_ERR_RATE_LIMITED',
      status: 429,
      message: 'Too many failed logins; retry in 60 s',
      headers: { 'retry-after': '60' },
      extra: { retry_after_s: 60 },
    })
    expect(await attempt('bob', '198.51.100.9')).toBe('ran')
    now += 60_001
    expect(await attempt('alice', '198.51.100.9')).toBe('ran')
  })

  it('refuses an address after its failures, whatever name it tries', async () => {
    for (let index = 0; index < 5; index++) await fail(`user${index}`, '203.0.113.5')
    await expect(attempt('someone-new', '203.0.113.5')).rejects.toMatchObject({
      code: 'APP_ERR_RATE_LIMITED',
    })
    expect(await attempt('someone-new', '203.0.113.6')).toBe('ran')
    expect(await attempt('someone-new', null)).toBe('ran')
  })

  it('counts attempts still running, so parallel guesses cannot slip past the limit', async () => {
    const releases: Array<() => void> = []
    const slow = () =>
      limiter.run(
        'carol',
        '192.0.2.50',
        () => new Promise<void>((resolve) => releases.push(resolve)),
      )
    const running = [slow(), slow(), slow()]
    await new Promise((resolve) => setTimeout(resolve, 20))
    await expect(attempt('carol', '192.0.2.51')).rejects.toMatchObject({
      code: 'APP_ERR_RATE_LIMITED',
    })
    for (const release of releases) release()
    await Promise.all(running)
    expect(await attempt('carol', '192.0.2.51')).toBe('ran')
  })
})
