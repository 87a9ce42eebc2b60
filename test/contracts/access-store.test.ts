import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, describe } from 'vitest'
import { PostgresGenerationStore } from '../../src/adapters/store/postgres.js'
import { SqliteGenerationStore } from '../../src/adapters/store/sqlite.js'
import { POSTGRES_URL, serviceAvailable } from '../helpers/services.js'
import { runAccessStoreContract } from './access-store.contract.js'

const directory = mkdtempSync(join(tmpdir(), 'verigen-access-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

let files = 0
runAccessStoreContract('sqlite file', async () => {
  const url = `sqlite://${join(directory, `access-${(files += 1)}.db`)}`
  return { open: () => SqliteGenerationStore.open(url), shared: true }
})

runAccessStoreContract('sqlite :memory:', async () => ({
  open: () => SqliteGenerationStore.open('sqlite://:memory:'),
  shared: false,
}))

const available = await serviceAvailable('PostgreSQL', '127.0.0.1', 5432)

describe.skipIf(!available)('PostgreSQL', () => {
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} })
  /** Each test works in a database of its own, all dropped at the end. */
  const prefix = `verigen_access_${randomUUID().replaceAll('-', '').slice(0, 10)}`
  const databases: string[] = []

  afterAll(async () => {
    for (const name of databases) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }, 60_000)

  runAccessStoreContract('postgres', async () => {
    const name = `${prefix}_${databases.length + 1}`
    databases.push(name)
    await admin.unsafe(`CREATE DATABASE ${name}`)
    const url = new URL(POSTGRES_URL)
    url.pathname = `/${name}`
    return {
      open: () => PostgresGenerationStore.open(url.toString(), { poolSize: 4 }),
      shared: true,
      remove: async () => {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      },
    }
  })
})
