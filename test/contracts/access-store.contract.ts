import { createHash, randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.js'
import {
  UserNameTaken,
  type AccessStore,
  type ApiKeyEntry,
  type AuditEntry,
  type RefreshTokenEntry,
  type UserEntry,
} from '../../src/ports/access-store.js'
import type { GenerationStore } from '../../src/ports/generation-store.js'
import { sampleRecord } from './generation-store.contract.js'

/** A fixed clock: `at(seconds)` is that many seconds after a base time, as ISO-8601. */
const BASE = Date.parse('2030-06-01T12:00:00.000Z')
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString()
const DAY = 24 * 60 * 60

const digest = (text: string) => createHash('sha256').update(text).digest('hex')

export function sampleUser(overrides: Partial<UserEntry> = {}): UserEntry {
  return {
    id: randomUUID(),
    name: `user-${randomUUID().slice(0, 8)}`,
    passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    admin: false,
    disabled: false,
    limits: {},
    issuer: null,
    subject: null,
    createdAt: at(0),
    updatedAt: at(0),
    lastLoginAt: null,
    ...overrides,
  }
}

function sampleKey(userId: string, overrides: Partial<ApiKeyEntry> = {}): ApiKeyEntry {
  return {
    id: randomUUID(),
    userId,
    name: 'ci',
    keyHash: digest(randomUUID()),
    prefix: 'vg_abcdef',
    createdAt: at(0),
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  }
}

function sampleToken(
  userId: string,
  overrides: Partial<RefreshTokenEntry> = {},
): RefreshTokenEntry {
  return {
    id: randomUUID(),
    userId,
    tokenHash: digest(randomUUID()),
    family: randomUUID(),
    createdAt: at(0),
    expiresAt: at(DAY),
    revokedAt: null,
    ...overrides,
  }
}

function sampleAudit(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: randomUUID(),
    at: at(0),
    actorId: null,
    actorName: null,
    action: 'login',
    target: null,
    detail: {},
    ip: null,
    ...overrides,
  }
}

/** A database of the contract: connections to it (`open` may be called again when `shared`). */
export interface AccessDatabase {
  open(): Promise<GenerationStore>
  /** Whether a second `open` reaches the same database (false for `:memory:`). */
  shared: boolean
  /** Removes the database once the test's connections are closed. */
  remove?: () => Promise<void>
}

/**
 * The specification of the access store (`GenerationStore.access`), run against every adapter.
 * `database` makes a new, empty database for each test.
 */
export function runAccessStoreContract(
  name: string,
  database: () => Promise<AccessDatabase>,
): void {
  describe(`${name} access store`, () => {
    let db: AccessDatabase
    let store: GenerationStore
    let access: AccessStore
    const opened: GenerationStore[] = []

    /** Another connection to the same database (the same one when the database is not shared). */
    async function peer(): Promise<AccessStore> {
      if (!db.shared) return access
      const other = await db.open()
      opened.push(other)
      return other.access
    }

    beforeEach(async () => {
      db = await database()
      store = await db.open()
      opened.push(store)
      access = store.access
    })
    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close()
      await db?.remove?.()
    })

    describe('users', () => {
      it('creates a user and finds it by id, name and external subject', async () => {
        const local = sampleUser({ limits: { tokens_per_day: 5000, verify_runs_per_day: 3 } })
        const external = sampleUser({
          passwordHash: null,
          issuer: 'https://issuer.example.com',
          subject: 'sub-1',
          lastLoginAt: at(5),
        })
        await access.createUser(local)
        await access.createUser(external)
        expect(await access.getUser(local.id)).toEqual(local)
        expect(await access.findUserByName(local.name)).toEqual(local)
        expect(await access.findUserBySubject('https://issuer.example.com', 'sub-1')).toEqual(
          external,
        )
        expect(await access.getUser(randomUUID())).toBeNull()
        expect(await access.findUserByName('nobody')).toBeNull()
        expect(await access.findUserByName(local.name.toUpperCase())).toBeNull()
        expect(await access.findUserBySubject('https://issuer.example.com', 'sub-2')).toBeNull()
        expect(await access.findUserBySubject('https://other.example.com', 'sub-1')).toBeNull()
      })

      it('answers nothing, and fails nothing, for lookups holding a NUL', async () => {
        expect(await access.getUser('a\u0000b')).toBeNull()
        expect(await access.findUserByName('ann\u0000')).toBeNull()
        expect(await access.findUserBySubject('iss\u0000', 'sub')).toBeNull()
        expect(await access.updateUser('\u0000', { admin: true }, at(1))).toBeNull()
        expect(await access.deleteUser('\u0000')).toBe(false)
        expect(await access.findApiKey('\u0000')).toBeNull()
        expect(await access.listApiKeys('\u0000')).toEqual([])
        expect(await access.findRefreshToken('\u0000')).toBeNull()
        expect(await access.revokeRefreshToken('\u0000', at(1))).toBe(false)
      })

      it('lists users by name and counts them with their administrators', async () => {
        expect(await access.listUsers()).toEqual([])
        expect(await access.countUsers()).toEqual({ users: 0, admins: 0 })
        const carol = sampleUser({ name: 'carol' })
        const ann = sampleUser({ name: 'ann', admin: true })
        const bob = sampleUser({ name: 'bob', admin: true, disabled: true })
        for (const user of [carol, ann, bob]) await access.createUser(user)
        expect(await access.listUsers()).toEqual([ann, bob, carol])
        expect(await access.countUsers()).toEqual({ users: 3, admins: 2 })
      })

      it('refuses a taken name or external subject with UserNameTaken, keeping the first', async () => {
        const first = sampleUser({ name: 'ann', issuer: 'https://idp', subject: 'a' })
        await access.createUser(first)
        const sameName = sampleUser({ name: 'ann' })
        await expect(access.createUser(sameName)).rejects.toBeInstanceOf(UserNameTaken)
        const sameSubject = sampleUser({ name: 'ann2', issuer: 'https://idp', subject: 'a' })
        const rejection = await access.createUser(sameSubject).then(
          () => null,
          (error: unknown) => error,
        )
        expect(rejection).toBeInstanceOf(UserNameTaken)
        expect((rejection as UserNameTaken).userName).toBe('ann2')
        expect(await access.getUser(sameName.id)).toBeNull()
        expect(await access.getUser(sameSubject.id)).toBeNull()
        expect(await access.findUserByName('ann')).toEqual(first)
        // Local users have no issuer: any number of them coexist.
        await access.createUser(sampleUser({ name: 'bob' }))
        await access.createUser(sampleUser({ name: 'carol' }))
        expect((await access.countUsers()).users).toBe(3)
      })

      it('lets exactly one of two concurrent creations of one name win', async () => {
        const other = await peer()
        const users = [sampleUser({ name: 'racer' }), sampleUser({ name: 'racer' })]
        const outcomes = await Promise.allSettled([
          access.createUser(users[0]!),
          other.createUser(users[1]!),
        ])
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1)
        const lost = outcomes.find((outcome) => outcome.status === 'rejected')
        expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(UserNameTaken)
        const winner = users[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')]
        expect(await access.findUserByName('racer')).toEqual(winner)
      })

      it('updates only the given fields, bumps updatedAt, and answers null when unknown', async () => {
        const user = sampleUser()
        await access.createUser(user)
        const changed = await access.updateUser(
          user.id,
          { admin: true, limits: { requests_per_minute: 10 } },
          at(60),
        )
        const expected = {
          ...user,
          admin: true,
          limits: { requests_per_minute: 10 },
          updatedAt: at(60),
        }
        expect(changed).toEqual(expected)
        expect(await access.getUser(user.id)).toEqual(expected)
        const again = await access.updateUser(
          user.id,
          { disabled: true, passwordHash: null, lastLoginAt: at(61), admin: false },
          at(62),
        )
        expect(again).toEqual({
          ...expected,
          admin: false,
          disabled: true,
          passwordHash: null,
          lastLoginAt: at(61),
          updatedAt: at(62),
        })
        expect(await access.updateUser(user.id, {}, at(63))).toMatchObject({ updatedAt: at(63) })
        expect(await access.updateUser(randomUUID(), { admin: true }, at(64))).toBeNull()
      })

      it('deletes a user with their keys and refresh tokens, keeping their generations', async () => {
        const user = sampleUser()
        const other = sampleUser()
        await access.createUser(user)
        await access.createUser(other)
        const key = sampleKey(user.id)
        const otherKey = sampleKey(other.id)
        const token = sampleToken(user.id)
        const otherToken = sampleToken(other.id)
        await access.createApiKey(key)
        await access.createApiKey(otherKey)
        await access.createRefreshToken(token)
        await access.createRefreshToken(otherToken)
        const record = sampleRecord({ userId: user.id })
        await store.insert(record)

        expect(await access.deleteUser(user.id)).toBe(true)
        expect(await access.getUser(user.id)).toBeNull()
        expect(await access.findApiKey(key.keyHash)).toBeNull()
        expect(await access.findRefreshToken(token.tokenHash)).toBeNull()
        expect(await access.listApiKeys(user.id)).toEqual([])
        expect(await store.get(record.id)).toEqual(record)
        expect(await access.findApiKey(otherKey.keyHash)).toEqual(otherKey)
        expect(await access.findRefreshToken(otherToken.tokenHash)).toEqual(otherToken)
        expect(await access.deleteUser(user.id)).toBe(false)
        expect(await access.countUsers()).toEqual({ users: 1, admins: 0 })
      })
    })

    describe('API keys', () => {
      it('stores a key by its hash and lists a user’s keys newest first, revoked ones included', async () => {
        const user = sampleUser()
        await access.createUser(user)
        const old = sampleKey(user.id, { name: 'old', createdAt: at(0), expiresAt: at(DAY) })
        const recent = sampleKey(user.id, { name: 'recent', createdAt: at(10) })
        const foreign = sampleKey(randomUUID(), { createdAt: at(5) })
        for (const key of [old, recent, foreign]) await access.createApiKey(key)
        expect(await access.findApiKey(old.keyHash)).toEqual(old)
        expect(await access.findApiKey(digest('unknown'))).toBeNull()
        expect(await access.revokeApiKey(user.id, old.id, at(20))).toBe(true)
        expect(await access.listApiKeys(user.id)).toEqual([recent, { ...old, revokedAt: at(20) }])
        expect(await access.findApiKey(old.keyHash)).toEqual({ ...old, revokedAt: at(20) })
      })

      it('revokes only a live key of its own user', async () => {
        const user = sampleUser()
        const key = sampleKey(user.id)
        await access.createApiKey(key)
        expect(await access.revokeApiKey(randomUUID(), key.id, at(1))).toBe(false)
        expect(await access.revokeApiKey(user.id, randomUUID(), at(1))).toBe(false)
        expect((await access.findApiKey(key.keyHash))?.revokedAt).toBeNull()
        expect(await access.revokeApiKey(user.id, key.id, at(2))).toBe(true)
        expect(await access.revokeApiKey(user.id, key.id, at(3))).toBe(false)
        expect((await access.findApiKey(key.keyHash))?.revokedAt).toBe(at(2))
      })

      it('records a use at most once a minute', async () => {
        const key = sampleKey(randomUUID())
        await access.createApiKey(key)
        const lastUsed = async () => (await access.findApiKey(key.keyHash))?.lastUsedAt
        await access.touchApiKey(key.id, at(100))
        expect(await lastUsed()).toBe(at(100))
        await access.touchApiKey(key.id, at(130))
        await access.touchApiKey(key.id, at(159))
        expect(await lastUsed()).toBe(at(100))
        await access.touchApiKey(key.id, at(161))
        expect(await lastUsed()).toBe(at(161))
        await access.touchApiKey(randomUUID(), at(300))
      })
    })

    describe('refresh tokens', () => {
      it('stores a token by its hash and revokes it once', async () => {
        const token = sampleToken(randomUUID())
        await access.createRefreshToken(token)
        expect(await access.findRefreshToken(token.tokenHash)).toEqual(token)
        expect(await access.findRefreshToken(digest('unknown'))).toBeNull()
        expect(await access.revokeRefreshToken(token.id, at(10))).toBe(true)
        expect(await access.revokeRefreshToken(token.id, at(11))).toBe(false)
        expect(await access.revokeRefreshToken(randomUUID(), at(12))).toBe(false)
        expect(await access.findRefreshToken(token.tokenHash)).toEqual({
          ...token,
          revokedAt: at(10),
        })
      })

      it('gives exactly one of two concurrent revocations of one token true', async () => {
        const other = await peer()
        for (let round = 0; round < 5; round += 1) {
          const token = sampleToken(randomUUID())
          await access.createRefreshToken(token)
          const outcomes = await Promise.all([
            access.revokeRefreshToken(token.id, at(1)),
            other.revokeRefreshToken(token.id, at(2)),
          ])
          expect(outcomes.filter(Boolean)).toHaveLength(1)
        }
      })

      it('revokes the live tokens of a family, or of a user, keeping earlier revocations', async () => {
        const user = randomUUID()
        const family = randomUUID()
        const replaced = sampleToken(user, { family, revokedAt: at(5) })
        const current = sampleToken(user, { family })
        const otherFamily = sampleToken(user)
        const otherUser = sampleToken(randomUUID(), { family: randomUUID() })
        for (const token of [replaced, current, otherFamily, otherUser]) {
          await access.createRefreshToken(token)
        }
        const revokedAt = async (token: RefreshTokenEntry) =>
          (await access.findRefreshToken(token.tokenHash))?.revokedAt
        await access.revokeRefreshFamily(family, at(10))
        expect(await revokedAt(replaced)).toBe(at(5))
        expect(await revokedAt(current)).toBe(at(10))
        expect(await revokedAt(otherFamily)).toBeNull()
        await access.revokeUserRefreshTokens(user, at(20))
        expect(await revokedAt(current)).toBe(at(10))
        expect(await revokedAt(otherFamily)).toBe(at(20))
        expect(await revokedAt(otherUser)).toBeNull()
      })
    })

    describe('audit', () => {
      it('lists newest first in pages that neither skip nor repeat', async () => {
        // Two entries share a time: the id breaks the tie, so paging stays exact.
        const entries = Array.from({ length: 7 }, (_, index) =>
          sampleAudit({
            at: at(Math.min(index, 5)),
            detail: { index, nested: { list: [1, 'two'] } },
          }),
        )
        for (const entry of entries) await access.appendAudit(entry)
        const expected = [...entries]
          .sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1))
          .map((entry) => entry.id)
        const seen: AuditEntry[] = []
        let cursor: string | undefined
        let pages = 0
        do {
          const page = await access.listAudit({ limit: 3, cursor })
          seen.push(...page.items)
          cursor = page.nextCursor ?? undefined
          pages += 1
        } while (cursor && pages < 10)
        expect(seen.map((entry) => entry.id)).toEqual(expected)
        expect(pages).toBe(3)
        expect(seen.find((entry) => entry.id === entries[2]!.id)).toEqual(entries[2])
      })

      it('filters by action (with its dotted sub-actions), actor and time', async () => {
        const ann = randomUUID()
        const entries = {
          login: sampleAudit({ action: 'login', actorId: ann, actorName: 'ann', at: at(1) }),
          failed: sampleAudit({ action: 'login.failed', target: 'ann', ip: '10.0.0.1', at: at(2) }),
          lookalike: sampleAudit({ action: 'loginx', at: at(3) }),
          wildcard: sampleAudit({ action: 'l_gin.failed', at: at(4) }),
          upper: sampleAudit({ action: 'LOGIN.failed', at: at(5) }),
          created: sampleAudit({ action: 'user.created', actorId: ann, target: 'bob', at: at(6) }),
        }
        for (const entry of Object.values(entries)) await access.appendAudit(entry)
        const ids = async (query: Omit<Parameters<AccessStore['listAudit']>[0], 'limit'>) =>
          (await access.listAudit({ limit: 50, ...query })).items.map((entry) => entry.id)
        expect(await ids({ action: 'login' })).toEqual([entries.failed.id, entries.login.id])
        expect(await ids({ action: 'login.failed' })).toEqual([entries.failed.id])
        // Neither `_` nor `%` is a wildcard, and case matters.
        expect(await ids({ action: 'l_gin' })).toEqual([entries.wildcard.id])
        expect(await ids({ action: 'l%' })).toEqual([])
        expect(await ids({ action: 'LOGIN' })).toEqual([entries.upper.id])
        expect(await ids({ actorId: ann })).toEqual([entries.created.id, entries.login.id])
        expect(await ids({ from: at(2), to: at(4) })).toEqual([
          entries.lookalike.id,
          entries.failed.id,
        ])
        expect(await ids({ action: 'user', actorId: ann, from: at(6) })).toEqual([
          entries.created.id,
        ])
        expect(await ids({ action: 'login\u0000' })).toEqual([])
        await expect(access.listAudit({ limit: 5, cursor: 'not-a-cursor' })).rejects.toSatisfy(
          (error: unknown) => error instanceof AppError && error.code === 'APP_ERR_VALIDATION',
        )
      })

      it('counts entries of an action since a time, by target or by address', async () => {
        const failed = (seconds: number, target: string, ip: string) =>
          sampleAudit({ action: 'login.failed', at: at(seconds), target, ip })
        for (const entry of [
          failed(0, 'ann', '10.0.0.1'),
          failed(10, 'ann', '10.0.0.2'),
          failed(20, 'bob', '10.0.0.1'),
          failed(30, 'ann', '10.0.0.1'),
          sampleAudit({ action: 'login', at: at(40), target: 'ann', ip: '10.0.0.1' }),
        ]) {
          await access.appendAudit(entry)
        }
        expect(await access.countAudit('login.failed', at(0), { target: 'ann' })).toBe(3)
        expect(await access.countAudit('login.failed', at(5), { target: 'ann' })).toBe(2)
        expect(await access.countAudit('login.failed', at(5), { ip: '10.0.0.1' })).toBe(2)
        expect(await access.countAudit('login.failed', at(0), { target: 'carol' })).toBe(0)
        expect(await access.countAudit('login.failed', at(0), {})).toBe(4)
        expect(await access.countAudit('login', at(0), { target: 'ann' })).toBe(1)
      })

      it('keeps a client’s text holding a NUL, with the NUL replaced', async () => {
        const entry = sampleAudit({ action: 'login.failed', target: 'an\u0000n', ip: '10.0.0.9' })
        await access.appendAudit(entry)
        const [stored] = (await access.listAudit({ limit: 1 })).items
        expect(stored).toEqual({ ...entry, target: 'an\uFFFDn' })
        expect(await access.countAudit('login.failed', at(0), { target: 'an\u0000n' })).toBe(1)
      })
    })

    describe('settings', () => {
      it('writes, overwrites and deletes settings, keeping JSON values and who changed them', async () => {
        expect(await access.listSettings()).toEqual([])
        const admin = randomUUID()
        await access.putSettings(
          { max_prompt_length: 4000, allowed_models: ['a', 'b'], verify_default: false },
          at(1),
          admin,
        )
        expect(await access.listSettings()).toEqual([
          { key: 'allowed_models', value: ['a', 'b'], updatedAt: at(1), updatedBy: admin },
          { key: 'max_prompt_length', value: 4000, updatedAt: at(1), updatedBy: admin },
          { key: 'verify_default', value: false, updatedAt: at(1), updatedBy: admin },
        ])
        await access.putSettings(
          { max_prompt_length: 8000, verify_default: null, prices: { m: { input: 1.5 } } },
          at(2),
          null,
        )
        expect(await access.listSettings()).toEqual([
          { key: 'allowed_models', value: ['a', 'b'], updatedAt: at(1), updatedBy: admin },
          { key: 'max_prompt_length', value: 8000, updatedAt: at(2), updatedBy: null },
          { key: 'prices', value: { m: { input: 1.5 } }, updatedAt: at(2), updatedBy: null },
        ])
        await access.putSettings({ absent: null }, at(3), null)
        expect(await access.listSettings()).toHaveLength(3)
      })

      it('shows settings written through one connection to another', async () => {
        const other = await peer()
        await access.putSettings({ default_model: 'gpt-x' }, at(1), null)
        expect(await other.listSettings()).toEqual([
          { key: 'default_model', value: 'gpt-x', updatedAt: at(1), updatedBy: null },
        ])
      })
    })

    describe('usage', () => {
      const usage = (prompt: number, completion: number) => ({
        promptTokens: prompt,
        completionTokens: completion,
        totalTokens: prompt + completion,
        llmCalls: 1,
      })

      it('tells what a user used since a time, and what they have in flight', async () => {
        const ann = randomUUID()
        const records = [
          sampleRecord({ userId: ann, createdAt: at(-100), status: 'running', usage: usage(1, 1) }),
          sampleRecord({
            userId: ann,
            createdAt: at(10),
            status: 'completed',
            usage: usage(100, 50),
          }),
          sampleRecord({ userId: ann, createdAt: at(20), status: 'queued', usage: usage(0, 0) }),
          sampleRecord({ userId: ann, createdAt: at(30), status: 'failed', usage: usage(7, 3) }),
          sampleRecord({ userId: randomUUID(), createdAt: at(10), usage: usage(1000, 1000) }),
          sampleRecord({ userId: null, createdAt: at(15), status: 'queued', usage: usage(5, 5) }),
        ]
        for (const record of records) await store.insert(record)
        await access.recordVerifyRun({ id: randomUUID(), userId: ann, at: at(-50), source: 'api' })
        await access.recordVerifyRun({ id: randomUUID(), userId: ann, at: at(5), source: 'api' })
        await access.recordVerifyRun({
          id: randomUUID(),
          userId: ann,
          at: at(25),
          source: 'generation',
        })
        await access.recordVerifyRun({ id: randomUUID(), userId: null, at: at(5), source: 'api' })

        expect(await access.usageSince(ann, at(0))).toEqual({
          generations: 3,
          oldestGeneration: at(10),
          tokens: 160,
          verifyRuns: 2,
          active: 2,
        })
        expect(await access.usageSince(ann, at(-1000))).toMatchObject({
          generations: 4,
          oldestGeneration: at(-100),
          tokens: 162,
          verifyRuns: 3,
        })
        expect(await access.usageSince(null, at(0))).toEqual({
          generations: 1,
          oldestGeneration: at(15),
          tokens: 10,
          verifyRuns: 1,
          active: 1,
        })
        expect(await access.usageSince(randomUUID(), at(0))).toEqual({
          generations: 0,
          oldestGeneration: null,
          tokens: 0,
          verifyRuns: 0,
          active: 0,
        })
        // Only queued and running count as in flight, whenever created.
        expect((await access.usageSince(ann, at(1000))).active).toBe(2)
      })

      it('reports usage by day, user and model, with verification runs merged', async () => {
        const [ann, bob] = ['user-a', 'user-b']
        const records = [
          sampleRecord({ userId: ann, model: 'm1', createdAt: at(0), usage: usage(10, 5) }),
          sampleRecord({ userId: ann, model: 'm1', createdAt: at(60), usage: usage(20, 10) }),
          sampleRecord({ userId: ann, model: 'm2', createdAt: at(120), usage: usage(1, 1) }),
          sampleRecord({ userId: ann, model: 'm1', createdAt: at(DAY), usage: usage(3, 3) }),
          sampleRecord({ userId: bob, model: 'm1', createdAt: at(30), usage: usage(7, 7) }),
          sampleRecord({ userId: null, model: null, createdAt: at(30), usage: usage(0, 0) }),
          sampleRecord({ userId: ann, model: 'm1', createdAt: at(2 * DAY), usage: usage(9, 9) }),
          sampleRecord({ userId: ann, model: 'm1', createdAt: at(-1), usage: usage(9, 9) }),
        ]
        for (const record of records) await store.insert(record)
        const run = (userId: string | null, seconds: number) =>
          access.recordVerifyRun({ id: randomUUID(), userId, at: at(seconds), source: 'api' })
        await run(ann, 10)
        await run(ann, 20)
        await run(null, 40)
        await run(bob, DAY + 5)

        const day0 = at(0).slice(0, 10)
        const day1 = at(DAY).slice(0, 10)
        const row = (
          day: string,
          userId: string | null,
          model: string | null,
          counts: Partial<
            Record<'generations' | 'promptTokens' | 'completionTokens' | 'verifyRuns', number>
          >,
        ) => ({
          day,
          userId,
          model,
          generations: 0,
          promptTokens: 0,
          completionTokens: 0,
          verifyRuns: 0,
          ...counts,
        })
        const report = await access.usageReport({ from: at(0), to: at(2 * DAY) })
        expect(report).toEqual([
          row(day0, null, null, { generations: 1, verifyRuns: 1 }),
          row(day0, ann, null, { verifyRuns: 2 }),
          row(day0, ann, 'm1', { generations: 2, promptTokens: 30, completionTokens: 15 }),
          row(day0, ann, 'm2', { generations: 1, promptTokens: 1, completionTokens: 1 }),
          row(day0, bob, 'm1', { generations: 1, promptTokens: 7, completionTokens: 7 }),
          row(day1, ann, 'm1', { generations: 1, promptTokens: 3, completionTokens: 3 }),
          row(day1, bob, null, { verifyRuns: 1 }),
        ])
        expect(await access.usageReport({ from: at(0), to: at(2 * DAY), userId: bob })).toEqual([
          row(day0, bob, 'm1', { generations: 1, promptTokens: 7, completionTokens: 7 }),
          row(day1, bob, null, { verifyRuns: 1 }),
        ])
        expect(await access.usageReport({ from: at(10 * DAY), to: at(11 * DAY) })).toEqual([])
      })
    })
  })
}
