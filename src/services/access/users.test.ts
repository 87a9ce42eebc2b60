import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import { AppError, NotFoundError, ValidationError } from '../../errors.js'
import type { AccessStore } from '../../ports/access-store.js'
import { AuditTrail } from './audit.js'
import { verifyPassword } from './passwords.js'
import type { Actor } from './principal.js'
import { UserAdmin } from './users.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const admin: Actor = { id: 'admin-id', name: 'root', ip: '192.0.2.1' }

describe('UserAdmin', () => {
  let store: SqliteGenerationStore
  let access: AccessStore
  let users: UserAdmin
  // Each reading is a second later, so that the audit trail's order is the order of the calls.
  let ticks = 0
  const clock = { now: () => Date.parse('2026-12-01T10:00:00Z') + ticks++ * 1000 }

  beforeEach(async () => {
    store = await SqliteGenerationStore.open('sqlite://:memory:')
    access = store.access
    users = new UserAdmin(access, new AuditTrail(access, clock, silent), clock)
  })
  afterEach(() => store.close())

  const audit = async () => (await access.listAudit({ limit: 100 })).items

  it('creates a user with a hashed password, and audits it without the password', async () => {
    const { user, password } = await users.create(
      { name: 'alice', password: 'a long password' },
      admin,
    )
    expect(password).toBeNull()
    expect(user).toMatchObject({ name: 'alice', admin: false, disabled: false, limits: {} })
    const stored = await access.getUser(user.id)
    expect(stored!.passwordHash).toMatch(/^scrypt\$/)
    expect(await verifyPassword('a long password', stored!.passwordHash!)).toBe(true)
    const [entry] = await audit()
    expect(entry).toMatchObject({
      action: 'user.created',
      target: user.id,
      actorName: 'root',
      ip: '192.0.2.1',
      detail: { name: 'alice', admin: false, password: true },
    })
    expect(JSON.stringify(await audit())).not.toContain('a long password')
  })

  it('generates a password when asked and none is given, and answers it once', async () => {
    const { user, password } = await users.create(
      { name: 'bob', admin: true, generatePassword: true },
      null,
    )
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/)
    expect(user.admin).toBe(true)
    expect(await verifyPassword(password!, (await access.getUser(user.id))!.passwordHash!)).toBe(
      true,
    )
    const none = await users.create({ name: 'carol' }, null)
    expect(none.password).toBeNull()
    expect(none.user.passwordHash).toBeNull()
  })

  it('refuses bad names, a short password, and a name already taken (409)', async () => {
    for (const name of ['', '-dash', 'has space', 'x'.repeat(65), 'semi;colon', 'ünïcode'])
      await expect(users.create({ name }, null)).rejects.toBeInstanceOf(ValidationError)
    await expect(users.create({ name: 'dave', password: 'short' }, null)).rejects.toBeInstanceOf(
      ValidationError,
    )
    await users.create({ name: 'first.last@example-1_x' }, null)
    const taken = await users.create({ name: 'first.last@example-1_x' }, null).catch((e) => e)
    expect(taken).toBeInstanceOf(AppError)
    expect(taken).toMatchObject({ code: 'APP_ERR_CONFLICT', status: 409 })
    expect(taken.message).toBe("A user named 'first.last@example-1_x' already exists")
  })

  it('updates admin and limits, auditing the fields and their new values', async () => {
    const { user } = await users.create({ name: 'erin' }, null)
    const updated = await users.update(
      user.id,
      { admin: true, limits: { tokens_per_day: 1000, requests_per_minute: 0 } },
      admin,
    )
    expect(updated).toMatchObject({
      admin: true,
      limits: { tokens_per_day: 1000, requests_per_minute: 0 },
    })
    const [entry] = await audit()
    expect(entry).toMatchObject({
      action: 'user.updated',
      target: user.id,
      detail: {
        name: 'erin',
        fields: ['admin', 'limits'],
        admin: true,
        limits: { tokens_per_day: 1000, requests_per_minute: 0 },
      },
    })
  })

  it('refuses unknown or negative limits', async () => {
    const { user } = await users.create({ name: 'frank' }, null)
    for (const limits of [
      { tokens_per_hour: 5 },
      { tokens_per_day: -1 },
      { tokens_per_day: 1.5 },
      { tokens_per_day: '5' },
    ])
      await expect(
        users.update(user.id, { limits: limits as never }, admin),
      ).rejects.toBeInstanceOf(ValidationError)
  })

  it('changes a password, auditing only that it changed, and ends the sessions', async () => {
    const { user } = await users.create({ name: 'gina', password: 'first password' }, null)
    await access.createRefreshToken(refreshToken(user.id))
    await users.update(user.id, { password: 'second password' }, admin)
    const stored = await access.getUser(user.id)
    expect(await verifyPassword('second password', stored!.passwordHash!)).toBe(true)
    expect((await access.findRefreshToken('hash-1'))!.revokedAt).not.toBeNull()
    const [entry] = await audit()
    expect(entry).toMatchObject({ action: 'password.changed', detail: { removed: false } })
    expect(JSON.stringify(await audit())).not.toContain('second password')
  })

  it('disables by name, revoking refresh tokens; an unknown name is a 404', async () => {
    await users.create({ name: 'root', admin: true }, null)
    const { user } = await users.create({ name: 'hank' }, null)
    await access.createRefreshToken(refreshToken(user.id))
    const disabled = await users.disableByName('hank', admin)
    expect(disabled.disabled).toBe(true)
    expect((await access.findRefreshToken('hash-1'))!.revokedAt).not.toBeNull()
    expect((await audit())[0]).toMatchObject({ action: 'user.disabled', target: user.id })
    await expect(users.disableByName('nobody', admin)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('refuses to remove, demote or disable the last enabled administrator', async () => {
    const { user: root } = await users.create({ name: 'root', admin: true }, null)
    for (const attempt of [
      () => users.update(root.id, { admin: false }, admin),
      () => users.update(root.id, { disabled: true }, admin),
      () => users.delete(root.id, admin),
    ])
      await expect(attempt()).rejects.toMatchObject({ code: 'APP_ERR_CONFLICT' })
    const { user: second } = await users.create({ name: 'second', admin: true }, null)
    await users.update(root.id, { admin: false }, admin)
    await expect(users.delete(second.id, admin)).rejects.toMatchObject({
      code: 'APP_ERR_CONFLICT',
    })
  })

  it('deletes a user, and answers 404 for unknown ids', async () => {
    const { user } = await users.create({ name: 'ivan' }, null)
    await users.delete(user.id, admin)
    expect(await users.findByName('ivan')).toBeNull()
    expect((await audit())[0]).toMatchObject({ action: 'user.deleted', detail: { name: 'ivan' } })
    await expect(users.get(user.id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(users.delete(user.id, admin)).rejects.toBeInstanceOf(NotFoundError)
    await expect(users.update(user.id, { admin: true }, admin)).rejects.toBeInstanceOf(
      NotFoundError,
    )
  })

  it('lists users by name', async () => {
    await users.create({ name: 'zed' }, null)
    await users.create({ name: 'amy' }, null)
    expect((await users.list()).map((user) => user.name)).toEqual(['amy', 'zed'])
  })

  function refreshToken(userId: string) {
    return {
      id: 'refresh-1',
      userId,
      tokenHash: 'hash-1',
      family: 'family-1',
      createdAt: '2026-12-01T09:00:00.000Z',
      expiresAt: '2026-12-31T09:00:00.000Z',
      revokedAt: null,
    }
  }
})
