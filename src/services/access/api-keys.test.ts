import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import { NotFoundError, ValidationError } from '../../errors.js'
import { ApiKeys, MAX_LIVE_KEYS } from './api-keys.js'
import { AuditTrail } from './audit.js'
import type { Actor } from './principal.js'
import { UserAdmin } from './users.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const actor: Actor = { id: null, name: 'cli', ip: null }

describe('ApiKeys', () => {
  let store: SqliteGenerationStore
  let keys: ApiKeys
  let userId: string
  let otherId: string
  let now = Date.parse('2026-12-01T10:00:00Z')
  const clock = { now: () => now }

  beforeEach(async () => {
    now = Date.parse('2026-12-01T10:00:00Z')
    store = await SqliteGenerationStore.open('sqlite://:memory:')
    const audit = new AuditTrail(store.access, clock, silent)
    const users = new UserAdmin(store.access, audit, clock)
    userId = (await users.create({ name: 'alice' }, null)).user.id
    otherId = (await users.create({ name: 'bob' }, null)).user.id
    keys = new ApiKeys(store.access, audit, clock)
  })
  afterEach(() => store.close())

  it('makes vg_ + 256 random bits, stores only its SHA-256 and a short prefix', async () => {
    const { key, entry } = await keys.create(userId, { name: 'ci', expiresAt: null }, actor)
    expect(key).toMatch(/^vg_[A-Za-z0-9_-]{43}$/)
    expect(entry).toMatchObject({ userId, name: 'ci', prefix: key.slice(0, 9), expiresAt: null })
    expect(entry.keyHash).toBe(createHash('sha256').update(key).digest('hex'))
    expect(keys.hashKey(key)).toBe(entry.keyHash)
    expect(await store.access.findApiKey(entry.keyHash)).toMatchObject({ id: entry.id })
    const stored = JSON.stringify(await keys.list(userId))
    expect(stored).not.toContain(key)
  })

  it('audits creation and revocation with the id and prefix, never the key', async () => {
    const { key, entry } = await keys.create(userId, { name: 'ci', expiresAt: null }, actor)
    await keys.revoke(userId, entry.id, actor)
    const { items } = await store.access.listAudit({ limit: 10, action: 'key' })
    expect(items.map((item) => item.action).sort()).toEqual(['key.created', 'key.revoked'])
    for (const item of items) {
      expect(item).toMatchObject({ target: entry.id, actorName: 'cli' })
      expect(item.detail).toMatchObject({ prefix: entry.prefix })
    }
    expect(JSON.stringify(items)).not.toContain(key)
    expect((await keys.list(userId))[0]!.revokedAt).not.toBeNull()
  })

  it('wants an expiry in the future and a label', async () => {
    for (const expiresAt of ['2026-12-01T09:59:59Z', '2026-12-01T10:00:00Z', 'tomorrow'])
      await expect(keys.create(userId, { name: 'ci', expiresAt }, actor)).rejects.toBeInstanceOf(
        ValidationError,
      )
    await expect(
      keys.create(userId, { name: '  ', expiresAt: null }, actor),
    ).rejects.toBeInstanceOf(ValidationError)
    const { entry } = await keys.create(
      userId,
      { name: 'ci', expiresAt: '2026-12-02T10:00:00+00:00' },
      actor,
    )
    expect(entry.expiresAt).toBe('2026-12-02T10:00:00.000Z')
  })

  it('refuses a key for an unknown user', async () => {
    await expect(
      keys.create('no-such-user', { name: 'ci', expiresAt: null }, actor),
    ).rejects.toBeInstanceOf(NotFoundError)
  })

  it(`holds at most ${MAX_LIVE_KEYS} live keys per user; revoked and expired ones do not count`, async () => {
    const soon = new Date(now + 60_000).toISOString()
    const { entry: first } = await keys.create(userId, { name: 'k0', expiresAt: soon }, actor)
    for (let index = 1; index < MAX_LIVE_KEYS; index++)
      await keys.create(userId, { name: `k${index}`, expiresAt: null }, actor)
    await expect(
      keys.create(userId, { name: 'one more', expiresAt: null }, actor),
    ).rejects.toMatchObject({ code: 'APP_ERR_CONFLICT', status: 409 })
    await keys.create(otherId, { name: 'bob has his own', expiresAt: null }, actor)
    now += 120_000
    await keys.create(userId, { name: 'after k0 expired', expiresAt: null }, actor)
    expect(first.id).toBeTruthy()
  })

  it("answers 404 for someone else's key, an unknown one, and one already revoked", async () => {
    const { entry } = await keys.create(userId, { name: 'ci', expiresAt: null }, actor)
    await expect(keys.revoke(otherId, entry.id, actor)).rejects.toBeInstanceOf(NotFoundError)
    await expect(keys.revoke(userId, 'unknown', actor)).rejects.toBeInstanceOf(NotFoundError)
    expect((await keys.list(userId))[0]!.revokedAt).toBeNull()
    await keys.revoke(userId, entry.id, actor)
    await expect(keys.revoke(userId, entry.id, actor)).rejects.toBeInstanceOf(NotFoundError)
  })
})
