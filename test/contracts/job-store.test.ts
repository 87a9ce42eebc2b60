import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { PostgresGenerationStore } from '../../src/adapters/store/postgres.js'
import { SqliteGenerationStore } from '../../src/adapters/store/sqlite.js'
import { POSTGRES_URL, serviceAvailable } from '../helpers/services.js'
import { runJobStoreContract, sampleJob } from './job-store.contract.js'
import type { GenerationStore } from '../../src/ports/generation-store.js'

/** Runs `job-store-claimer.ts` in `count` processes at once on `url`; answers what each claimed. */
async function claimInProcesses(url: string, count: number): Promise<string[][]> {
  const startAt = Date.now() + 4000
  const script = new URL('./job-store-claimer.ts', import.meta.url).pathname
  return Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise<string[]>((resolve, reject) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', script, url, String(startAt), `worker-${index}`],
            { timeout: 30_000, env: { PATH: process.env.PATH ?? '' } },
            (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as string[])),
          )
        }),
    ),
  )
}

/** Queues `count` jobs in `store`, lets three processes claim them, and checks none went twice. */
async function expectEachClaimedOnce(store: GenerationStore, url: string, count = 150) {
  const ids = new Set<string>()
  for (let index = 0; index < count; index += 1) {
    const { record, job } = sampleJob(-1000 + index)
    await store.jobs.create(record, job)
    ids.add(record.id)
  }
  const claimed = await claimInProcesses(url, 3)
  const all = claimed.flat()
  expect(all).toHaveLength(count)
  expect(new Set(all)).toEqual(ids)
  expect((await store.jobs.counts()).active).toBe(count)
}

const directory = mkdtempSync(join(tmpdir(), 'verigen-jobs-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

let files = 0
runJobStoreContract('sqlite file', async () => {
  const url = `sqlite://${join(directory, `jobs-${(files += 1)}.db`)}`
  return { open: () => SqliteGenerationStore.open(url), shared: true }
})

runJobStoreContract('sqlite :memory:', async () => ({
  open: () => SqliteGenerationStore.open('sqlite://:memory:'),
  shared: false,
}))

it('hands each job to one of several processes claiming on one SQLite file', async () => {
  const url = `sqlite://${join(directory, 'processes.db')}`
  const store = await SqliteGenerationStore.open(url)
  await expectEachClaimedOnce(store, url)
  await store.close()
}, 60_000)

const available = await serviceAvailable('PostgreSQL', '127.0.0.1', 5432)

describe.skipIf(!available)('PostgreSQL', () => {
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} })
  /** Each test works in a database of its own, all dropped at the end. */
  const prefix = `verigen_jobs_${randomUUID().replaceAll('-', '').slice(0, 10)}`
  const databases: string[] = []

  afterAll(async () => {
    for (const name of databases) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }, 60_000)

  runJobStoreContract('postgres', async () => {
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

  it('hands each job to one of several processes claiming at once', async () => {
    const name = `${prefix}_processes`
    databases.push(name)
    await admin.unsafe(`CREATE DATABASE ${name}`)
    const url = new URL(POSTGRES_URL)
    url.pathname = `/${name}`
    const store = await PostgresGenerationStore.open(url.toString(), { poolSize: 2 })
    await expectEachClaimedOnce(store, url.toString())
    await store.close()
  }, 60_000)
})
