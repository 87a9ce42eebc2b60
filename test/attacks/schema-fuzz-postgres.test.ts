import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, describe } from 'vitest'
import { POSTGRES_URL, serviceAvailable } from '../helpers/services.js'
import { fuzzEveryRoute, fuzzWithDefaultRateLimit } from './schema-fuzz.js'

const available = await serviceAvailable('PostgreSQL', '127.0.0.1', 5432)

describe.skipIf(!available)('schema fuzzing on PostgreSQL', () => {
  /** A database of this run's own, dropped at the end, so that nothing collides with other tests. */
  const databaseName = `verigen_fuzz_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} })
  afterAll(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`)
    await admin.end()
  })
  const openDatabase = async () => {
    await admin.unsafe(`CREATE DATABASE ${databaseName}`)
    const url = new URL(POSTGRES_URL)
    url.pathname = `/${databaseName}`
    return url.toString()
  }

  describe('every route', () => fuzzEveryRoute('PostgreSQL', openDatabase))
  // The same database, created once: the second app finds it there.
  describe('default rate limit', () =>
    fuzzWithDefaultRateLimit('PostgreSQL', async () => {
      const url = new URL(POSTGRES_URL)
      url.pathname = `/${databaseName}`
      return url.toString()
    }))
})
