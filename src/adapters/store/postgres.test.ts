import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { runGenerationStoreContract } from '../../../test/contracts/generation-store.contract.js'
import { POSTGRES_URL, serviceAvailable } from '../../../test/helpers/services.js'
import { IdempotencyKeyTaken } from '../../ports/generation-store.js'
import { sampleRecord } from '../../../test/contracts/generation-store.contract.js'
import { PostgresGenerationStore } from './postgres.js'

const available = await serviceAvailable('PostgreSQL', '127.0.0.1', 5432)

/** Each run works in a database of its own, dropped at the end. */
const databaseName = `verigen_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`
const databaseUrl = (() => {
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${databaseName}`
  return url.toString()
})()

describe.skipIf(!available)('PostgreSQL', () => {
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} })

  afterAll(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`)
    await admin.end()
  })

  runGenerationStoreContract('postgres', async () => {
    await admin.unsafe(`CREATE DATABASE ${databaseName}`)
    return PostgresGenerationStore.open(databaseUrl)
  })

  it('migrates once when several processes start together', async () => {
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => PostgresGenerationStore.open(databaseUrl, { poolSize: 2 })),
    )
    const check = postgres(databaseUrl, { max: 1 })
    const rows = await check`SELECT version FROM schema_migrations ORDER BY version`
    expect(rows.map((row) => row.version)).toEqual([
      '001-create-generations',
      '002-add-idempotency-key',
      '003-add-instances',
      '004-split-generation-error',
      '005-add-jobs',
      '006-add-users',
    ])
    await check.end()
    await Promise.all(stores.map((store) => store.close()))
  })

  it('lets one of several processes racing on one idempotency key win', async () => {
    const stores = await Promise.all(
      Array.from({ length: 3 }, () => PostgresGenerationStore.open(databaseUrl, { poolSize: 1 })),
    )
    const key = `race-${randomUUID()}`
    const records = stores.map(() => sampleRecord({ idempotencyKey: key }))
    const outcomes = await Promise.allSettled(
      stores.map((store, index) => store.insert(records[index]!)),
    )
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1)
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(IdempotencyKeyTaken)
    }
    const winner = records[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')]
    for (const store of stores) expect(await store.findByIdempotencyKey(key)).toEqual(winner)
    await Promise.all(stores.map((store) => store.close()))
  })

  it('fails with a sentence and no password when the server refuses', async () => {
    await expect(
      PostgresGenerationStore.open('postgres://someone:secret-pass@127.0.0.1:1/none'),
    ).rejects.toThrow(
      /Cannot prepare the PostgreSQL database at 'postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/none'/,
    )
  })
})
