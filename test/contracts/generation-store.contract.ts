import { createHash, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  IdempotencyKeyTaken,
  type GenerationRecord,
  type GenerationStore,
} from '../../src/ports/generation-store.js'
import { AppError } from '../../src/errors.js'

export function sampleRecord(overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  const createdAt = overrides.createdAt ?? new Date().toISOString()
  return {
    id: randomUUID(),
    createdAt,
    updatedAt: createdAt,
    status: 'running',
    programmingLanguage: 'python',
    provider: 'openai-compatible',
    model: 'scripted-model',
    request: { prompt: 'parse an ISO-8601 duration into seconds', programming_language: 'python' },
    result: null,
    attempts: [],
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0, llmCalls: 0 },
    durationMs: null,
    error: null,
    idempotencyKey: null,
    requestHash: null,
    instanceId: null,
    userId: null,
    ...overrides,
  }
}

/**
 * The specification of the generation history, run against every adapter.
 * `open` returns a store over an empty database.
 */
export function runGenerationStoreContract(
  name: string,
  open: () => Promise<GenerationStore>,
): void {
  describe(`${name} generation store`, () => {
    let store: GenerationStore

    beforeAll(async () => {
      store = await open()
    })
    afterAll(async () => {
      await store?.close()
    })

    it('round-trips a record with its JSON fields intact', async () => {
      const record = sampleRecord({
        attempts: [{ attempt: 1, syntax_errors: [{ line: 3, column: 7, message: "missing ')'" }] }],
        request: { prompt: 'unicode ✓ and "quotes"', options: { temperature: 0.2 } },
      })
      await store.insert(record)
      expect(await store.get(record.id)).toEqual(record)
    })

    it('answers null for an unknown id', async () => {
      expect(await store.get(randomUUID())).toBeNull()
    })

    it('updates only the given fields and bumps updatedAt', async () => {
      const record = sampleRecord({ createdAt: '2020-01-01T00:00:00.000Z' })
      await store.insert(record)
      const changed = await store.update(record.id, {
        status: 'completed',
        result: { code: 'def f():\n    return 1\n' },
        usage: { promptTokens: 120, completionTokens: 80, totalTokens: 200, llmCalls: 2 },
        durationMs: 1534,
      })
      expect(changed).toBe(true)
      const stored = await store.get(record.id)
      expect(stored).toMatchObject({
        status: 'completed',
        result: { code: 'def f():\n    return 1\n' },
        usage: { promptTokens: 120, completionTokens: 80, totalTokens: 200, llmCalls: 2 },
        durationMs: 1534,
        programmingLanguage: 'python',
        request: record.request,
      })
      expect(stored!.updatedAt > record.updatedAt).toBe(true)
      expect(await store.update(randomUUID(), { status: 'failed' })).toBe(false)
    })

    it('deletes, and reports whether something was deleted', async () => {
      const record = sampleRecord()
      await store.insert(record)
      expect(await store.delete(record.id)).toBe(true)
      expect(await store.get(record.id)).toBeNull()
      expect(await store.delete(record.id)).toBe(false)
    })

    it('rejects a second record with the same id', async () => {
      const record = sampleRecord()
      await store.insert(record)
      await expect(store.insert(record)).rejects.toThrow()
    })

    it('round-trips the idempotency key and the request hash', async () => {
      const record = sampleRecord({
        idempotencyKey: `key-${randomUUID()}`,
        requestHash: createHash('sha256').update(randomUUID()).digest('hex'),
      })
      await store.insert(record)
      expect(await store.get(record.id)).toEqual(record)
    })

    it('finds a record by its idempotency key, and answers null for an unknown key', async () => {
      const record = sampleRecord({ idempotencyKey: `key-${randomUUID()}` })
      await store.insert(record)
      expect(await store.findByIdempotencyKey(record.idempotencyKey!)).toEqual(record)
      expect(await store.findByIdempotencyKey(`key-${randomUUID()}`)).toBeNull()
    })

    it('rejects a second record with a taken idempotency key and keeps the first', async () => {
      const key = `key-${randomUUID()}`
      const first = sampleRecord({ idempotencyKey: key, requestHash: 'a'.repeat(64) })
      await store.insert(first)
      const second = sampleRecord({ idempotencyKey: key, requestHash: 'b'.repeat(64) })
      const rejection = await store.insert(second).then(
        () => null,
        (error: unknown) => error,
      )
      expect(rejection).toBeInstanceOf(IdempotencyKeyTaken)
      expect((rejection as IdempotencyKeyTaken).key).toBe(key)
      expect(await store.get(second.id)).toBeNull()
      expect(await store.get(first.id)).toEqual(first)
      expect(await store.findByIdempotencyKey(key)).toEqual(first)
    })

    it('lets exactly one of several concurrent inserts with the same key win', async () => {
      const key = `key-${randomUUID()}`
      const records = Array.from({ length: 5 }, () => sampleRecord({ idempotencyKey: key }))
      const outcomes = await Promise.allSettled(records.map((record) => store.insert(record)))
      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled')
      expect(winners).toHaveLength(1)
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected')
          expect(outcome.reason).toBeInstanceOf(IdempotencyKeyTaken)
      }
      const winner = records[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')]
      expect(await store.findByIdempotencyKey(key)).toEqual(winner)
    })

    it('accepts many records without an idempotency key', async () => {
      const records = Array.from({ length: 3 }, () => sampleRecord({ idempotencyKey: null }))
      for (const record of records) await store.insert(record)
      for (const record of records) expect(await store.get(record.id)).toEqual(record)
    })

    it('lists newest first with cursor pages that neither skip nor repeat', async () => {
      const language = `lang-${randomUUID().slice(0, 8)}`
      const base = Date.parse('2024-05-01T00:00:00.000Z')
      // Two records share a timestamp: the id breaks the tie, so paging stays exact.
      const records = Array.from({ length: 7 }, (_, index) =>
        sampleRecord({
          programmingLanguage: language,
          createdAt: new Date(base + Math.min(index, 5) * 1000).toISOString(),
        }),
      )
      for (const record of records) await store.insert(record)
      const expected = [...records]
        .sort((a, b) =>
          a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
        )
        .map((record) => record.id)

      const seen: string[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = await store.list({ limit: 3, cursor, programmingLanguage: language })
        seen.push(...page.items.map((record) => record.id))
        cursor = page.nextCursor ?? undefined
        pages += 1
      } while (cursor && pages < 10)
      expect(seen).toEqual(expected)
      expect(pages).toBe(3)
    })

    it('filters by language and status together', async () => {
      const language = `lang-${randomUUID().slice(0, 8)}`
      await store.insert(sampleRecord({ programmingLanguage: language, status: 'completed' }))
      await store.insert(sampleRecord({ programmingLanguage: language, status: 'failed' }))
      await store.insert(sampleRecord({ programmingLanguage: 'go', status: 'failed' }))
      const page = await store.list({ limit: 10, programmingLanguage: language, status: 'failed' })
      expect(page.items.map((record) => [record.programmingLanguage, record.status])).toEqual([
        [language, 'failed'],
      ])
      expect(page.nextCursor).toBeNull()
    })

    it("keeps a record's owner and lists only that user's records when asked", async () => {
      const language = `lang-${randomUUID().slice(0, 8)}`
      const alice = `user-${randomUUID()}`
      const bob = `user-${randomUUID()}`
      const mine = sampleRecord({ programmingLanguage: language, userId: alice })
      const theirs = sampleRecord({ programmingLanguage: language, userId: bob })
      const anonymous = sampleRecord({ programmingLanguage: language, userId: null })
      for (const record of [mine, theirs, anonymous]) await store.insert(record)
      expect(await store.get(mine.id)).toEqual(mine)
      expect(await store.get(anonymous.id)).toEqual(anonymous)
      const ids = async (userId: string | undefined) =>
        (await store.list({ limit: 10, programmingLanguage: language, userId })).items
          .map((record) => record.id)
          .sort()
      expect(await ids(alice)).toEqual([mine.id])
      expect(await ids(bob)).toEqual([theirs.id])
      expect(await ids(`user-${randomUUID()}`)).toEqual([])
      expect(await ids('user\u0000')).toEqual([])
      expect(await ids(undefined)).toEqual([mine.id, theirs.id, anonymous.id].sort())
    })

    it('finds records by a piece of their prompt, in any case, with LIKE wildcards taken literally', async () => {
      const language = `lang-${randomUUID().slice(0, 8)}`
      const record = (prompt: string) =>
        sampleRecord({
          programmingLanguage: language,
          request: { prompt, programming_language: 'python' },
        })
      const duration = record('Parse an ISO-8601 Duration into seconds')
      const percent = record('format 100% of a_b "quoted" \\ text')
      const other = record('reverse the words of a sentence')
      // A NUL and a lone surrogate, which PostgreSQL cannot decode from JSON: they must not
      // fail the search of every other record.
      const hostile = [record('nul \u0000 here'), record('lone \ud800 surrogate')]
      for (const entry of [duration, percent, other, ...hostile]) await store.insert(entry)
      const found = async (search: string) =>
        (await store.list({ limit: 10, programmingLanguage: language, search })).items
          .map((entry) => entry.id)
          .sort()
      expect(await found('iso-8601 DURATION')).toEqual([duration.id])
      expect(await found(' OF A')).toEqual([percent.id, other.id].sort())
      expect(await found('100%')).toEqual([percent.id])
      expect(await found('%')).toEqual([percent.id])
      expect(await found('a_b')).toEqual([percent.id])
      expect(await found('_')).toEqual([percent.id])
      expect(await found('"quoted" \\')).toEqual([percent.id])
      expect(await found('\\')).toEqual([percent.id])
      expect(await found('programming_language')).toEqual([])
      expect(await found('nothing like it')).toEqual([])
      expect(await found('x\u0000')).toEqual([])
    })

    it('rejects a cursor it did not issue with a validation error', async () => {
      await expect(store.list({ limit: 5, cursor: 'not-a-cursor' })).rejects.toSatisfy(
        (error: unknown) => error instanceof AppError && error.code === 'APP_ERR_VALIDATION',
      )
    })

    it('answers nothing, and fails nothing, for ids and keys holding a NUL', async () => {
      expect(await store.get('abc\u0000def')).toBeNull()
      expect(await store.findByIdempotencyKey('key\u0000')).toBeNull()
      expect(await store.delete('\u0000')).toBe(false)
      expect(await store.update('\u0000', { status: 'failed' })).toBe(false)
      const page = await store.list({ limit: 5, programmingLanguage: 'py\u0000' })
      expect(page).toEqual({ items: [], nextCursor: null })
    })

    it('stores a NUL in free text (an upstream error) as a replacement character', async () => {
      const record = sampleRecord({ model: 'm\u0000odel' })
      await store.insert(record)
      await store.update(record.id, {
        status: 'failed',
        error: { code: 'APP_ERR_PROVIDER_REJECTED', detail: 'bad\u0000reply' },
      })
      expect(await store.get(record.id)).toMatchObject({
        model: 'm\uFFFDodel',
        error: { code: 'APP_ERR_PROVIDER_REJECTED', detail: 'bad\uFFFDreply' },
      })
    })

    it('keeps an error without a code (a partial generation) and clears an error', async () => {
      const record = sampleRecord()
      await store.insert(record)
      await store.update(record.id, {
        status: 'partial',
        error: { code: null, detail: 'tests: the tests still do not parse' },
      })
      expect((await store.get(record.id))?.error).toEqual({
        code: null,
        detail: 'tests: the tests still do not parse',
      })
      await store.update(record.id, { error: null })
      expect((await store.get(record.id))?.error).toBeNull()
    })

    it('interrupts the running records of gone instances, never those of live ones', async () => {
      const now = Date.parse('2030-01-01T00:10:00.000Z')
      const at = (offsetMs: number) => new Date(now + offsetMs).toISOString()
      const self = `self-${randomUUID()}`
      const live = `live-${randomUUID()}`
      const gone = `gone-${randomUUID()}`
      const entry = (id: string) => ({ id, host: 'test-host', pid: 4242 })
      await store.heartbeat(entry(self), at(0))
      await store.heartbeat(entry(live), at(-60_000))
      await store.heartbeat(entry(live), at(-1000))
      await store.heartbeat(entry(gone), at(-60_000))
      expect(await store.listInstances()).toEqual(
        expect.arrayContaining([
          { ...entry(live), lastSeen: at(-1000) },
          { ...entry(gone), lastSeen: at(-60_000) },
        ]),
      )
      const records = {
        self: sampleRecord({ instanceId: self }),
        live: sampleRecord({ instanceId: live }),
        gone: sampleRecord({ instanceId: gone, idempotencyKey: `key-${randomUUID()}` }),
        unknown: sampleRecord({ instanceId: `never-seen-${randomUUID()}` }),
        legacy: sampleRecord({ instanceId: null }),
        goneButFinished: sampleRecord({ instanceId: gone, status: 'completed' }),
      }
      for (const record of Object.values(records)) await store.insert(record)

      const marked = await store.interruptOrphans({
        self,
        staleBefore: at(-30_000),
        now: at(0),
        error: { code: 'APP_ERR_GENERATION_INTERRUPTED', detail: 'stopped' },
      })
      // Running records left by earlier tests (without an instance) are orphans too.
      expect(marked).toEqual(
        expect.arrayContaining([records.gone.id, records.unknown.id, records.legacy.id]),
      )
      expect(marked).not.toContain(records.self.id)
      expect(marked).not.toContain(records.live.id)
      expect(marked).not.toContain(records.goneButFinished.id)
      for (const name of ['gone', 'unknown', 'legacy'] as const) {
        expect(await store.get(records[name].id)).toMatchObject({
          status: 'interrupted',
          error: { code: 'APP_ERR_GENERATION_INTERRUPTED', detail: 'stopped' },
          updatedAt: at(0),
        })
      }
      for (const name of ['self', 'live'] as const) {
        expect((await store.get(records[name].id))?.status).toBe('running')
      }
      expect((await store.get(records.goneButFinished.id))?.status).toBe('completed')
      // The stale instance's entry went with its records.
      expect((await store.listInstances()).map((instance) => instance.id)).not.toContain(gone)
      // A second sweep finds nothing more.
      const again = {
        self,
        staleBefore: at(-30_000),
        now: at(1),
        error: { code: 'APP_ERR_GENERATION_INTERRUPTED', detail: 'x' },
      }
      expect(await store.interruptOrphans(again)).toEqual([])

      // A live instance that stops beating becomes an orphan; one that says goodbye at once.
      await store.forgetInstance(live)
      expect(await store.interruptOrphans(again)).toEqual([records.live.id])
    })

    it('releases the idempotency key of an interrupted record only', async () => {
      const key = `key-${randomUUID()}`
      const running = sampleRecord({ idempotencyKey: key })
      await store.insert(running)
      expect(await store.releaseIdempotencyKey(running.id, key)).toBe(false)
      await store.update(running.id, { status: 'interrupted' })
      expect(await store.releaseIdempotencyKey(running.id, 'another-key')).toBe(false)
      expect(await store.releaseIdempotencyKey(running.id, key)).toBe(true)
      expect(await store.releaseIdempotencyKey(running.id, key)).toBe(false)
      expect(await store.findByIdempotencyKey(key)).toBeNull()
      expect(await store.get(running.id)).toMatchObject({ idempotencyKey: null })
      const retry = sampleRecord({ idempotencyKey: key })
      await store.insert(retry)
      expect((await store.findByIdempotencyKey(key))?.id).toBe(retry.id)
    })

    it('measures a ping', async () => {
      const latency = await store.ping()
      expect(latency).toBeGreaterThanOrEqual(0)
      expect(latency).toBeLessThan(1000)
    })
  })
}
