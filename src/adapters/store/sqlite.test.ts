import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import {
  runGenerationStoreContract,
  sampleRecord,
} from '../../../test/contracts/generation-store.contract.js'
import { IdempotencyKeyTaken } from '../../ports/generation-store.js'
import { migrationsDir } from '../../paths.js'
import { SqliteGenerationStore } from './sqlite.js'

const directory = mkdtempSync(join(tmpdir(), 'verigen-sqlite-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

runGenerationStoreContract('sqlite', () =>
  SqliteGenerationStore.open(`sqlite://${join(directory, 'contract', 'verigen.db')}`),
)

describe('SqliteGenerationStore', () => {
  it('creates the file and its folder, in WAL mode, and migrates once', async () => {
    const path = join(directory, 'nested', 'deeper', 'history.db')
    const first = await SqliteGenerationStore.open(`sqlite://${path}`)
    const record = sampleRecord()
    await first.insert(record)
    await first.close()

    const second = await SqliteGenerationStore.open(`sqlite://${path}`)
    expect(await second.get(record.id)).toEqual(record)
    await second.close()

    const raw = new Database(path, { readonly: true })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: '001-create-generations' },
      { version: '002-add-idempotency-key' },
      { version: '003-add-instances' },
      { version: '004-split-generation-error' },
      { version: '005-add-jobs' },
      { version: '006-add-users' },
    ])
    raw.close()
  })

  it('upgrades a database made before idempotency keys, keeping its rows', async () => {
    const path = join(directory, 'upgrade', 'history.db')
    // A database as version 001 left it, with one row.
    mkdirSync(join(directory, 'upgrade'), { recursive: true })
    const raw = new Database(path)
    raw.exec('CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)')
    raw.exec(readFileSync(join(migrationsDir, '001-create-generations.sql'), 'utf8'))
    raw
      .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
      .run('001-create-generations', new Date().toISOString())
    const old = sampleRecord()
    raw
      .prepare(
        `INSERT INTO generations (id, created_at, updated_at, status, programming_language, provider, model, request, attempts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        old.id,
        old.createdAt,
        old.updatedAt,
        old.status,
        old.programmingLanguage,
        old.provider,
        old.model,
        JSON.stringify(old.request),
        '[]',
      )
    raw.close()

    const store = await SqliteGenerationStore.open(`sqlite://${path}`)
    expect(await store.get(old.id)).toEqual(old)
    await store.close()
  })

  it('splits the errors a database before 004 kept as "CODE: detail" text into their columns', async () => {
    const path = join(directory, 'split-error', 'history.db')
    mkdirSync(join(directory, 'split-error'), { recursive: true })
    const raw = new Database(path)
    raw.exec('CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)')
    for (const version of [
      '001-create-generations',
      '002-add-idempotency-key',
      '003-add-instances',
    ]) {
      raw.exec(readFileSync(join(migrationsDir, `${version}.sql`), 'utf8'))
      raw
        .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
        .run(version, new Date().toISOString())
    }
    const rows = {
      failed: [sampleRecord({ status: 'failed' }), 'APP_ERR_PROVIDER_TIMEOUT: No answer: in 60 s'],
      partial: [sampleRecord({ status: 'partial' }), 'tests: The tests still do not parse'],
      completed: [sampleRecord({ status: 'completed' }), null],
    } as const
    for (const [record, error] of Object.values(rows)) {
      raw
        .prepare(
          `INSERT INTO generations (id, created_at, updated_at, status, programming_language, request, attempts, error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.id,
          record.createdAt,
          record.updatedAt,
          record.status,
          'python',
          '{}',
          '[]',
          error,
        )
    }
    raw.close()

    const store = await SqliteGenerationStore.open(`sqlite://${path}`)
    expect((await store.get(rows.failed[0].id))?.error).toEqual({
      code: 'APP_ERR_PROVIDER_TIMEOUT',
      detail: 'No answer: in 60 s',
    })
    expect((await store.get(rows.partial[0].id))?.error).toEqual({
      code: null,
      detail: 'tests: The tests still do not parse',
    })
    expect((await store.get(rows.completed[0].id))?.error).toBeNull()
    await store.close()
  })

  it('enforces the idempotency key across stores sharing one file', async () => {
    const path = join(directory, 'shared', 'history.db')
    const first = await SqliteGenerationStore.open(`sqlite://${path}`)
    const second = await SqliteGenerationStore.open(`sqlite://${path}`)
    const winner = sampleRecord({ idempotencyKey: 'shared-key' })
    await first.insert(winner)
    await expect(second.insert(sampleRecord({ idempotencyKey: 'shared-key' }))).rejects.toThrow(
      IdempotencyKeyTaken,
    )
    expect(await second.findByIdempotencyKey('shared-key')).toEqual(winner)
    await Promise.all([first.close(), second.close()])
  })

  it('commits the writes of one turn together; a taken key fails only its own insert', async () => {
    const path = join(directory, 'group', 'history.db')
    const store = await SqliteGenerationStore.open(`sqlite://${path}`)
    const first = sampleRecord({ idempotencyKey: 'group-key' })
    const clash = sampleRecord({ idempotencyKey: 'group-key' })
    const other = sampleRecord()
    const outcomes = await Promise.allSettled([
      store.insert(first),
      store.insert(clash),
      store.insert(other),
      store.update(first.id, { status: 'completed', durationMs: 5 }),
    ])
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ])
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyKeyTaken)
    expect(outcomes[3]).toEqual({ status: 'fulfilled', value: true })
    expect(await store.get(clash.id)).toBeNull()
    expect(await store.get(other.id)).toEqual(other)
    expect(await store.get(first.id)).toMatchObject({ status: 'completed', durationMs: 5 })
    await store.close()
  })

  it('lets a read see a write issued before it, even one not awaited yet', async () => {
    const store = await SqliteGenerationStore.open(`sqlite://${join(directory, 'reads.db')}`)
    const record = sampleRecord()
    const inserted = store.insert(record)
    expect(await store.get(record.id)).toEqual(record)
    const updated = store.update(record.id, {
      status: 'failed',
      error: { code: null, detail: 'x' },
    })
    expect((await store.list({ limit: 5 })).items[0]).toMatchObject({ status: 'failed' })
    await Promise.all([inserted, updated])
    const pending = store.insert(sampleRecord())
    await store.close()
    await expect(pending).resolves.toBeUndefined()
  })

  it('fails with a sentence naming the file when it cannot be created', async () => {
    await expect(
      SqliteGenerationStore.open('sqlite:///etc/hostname/verigen/none.db'),
    ).rejects.toThrow(/Cannot open the SQLite database '\/etc\/hostname\/verigen\/none.db'/)
  })
})
