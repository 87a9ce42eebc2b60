import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import {
  runGenerationStoreContract,
  sampleRecord,
} from '../../../test/contracts/generation-store.contract.js'
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
    expect(raw.prepare('SELECT version FROM schema_migrations').all()).toEqual([
      { version: '001-create-generations' },
    ])
    raw.close()
  })

  it('fails with a sentence naming the file when it cannot be created', async () => {
    await expect(
      SqliteGenerationStore.open('sqlite:///etc/hostname/verigen/none.db'),
    ).rejects.toThrow(/Cannot open the SQLite database '\/etc\/hostname\/verigen\/none.db'/)
  })
})
