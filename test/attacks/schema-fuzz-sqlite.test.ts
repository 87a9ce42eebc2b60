import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe } from 'vitest'
import { fuzzEveryRoute, fuzzWithDefaultRateLimit } from './schema-fuzz.js'

describe('schema fuzzing on SQLite', () => {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-fuzz-'))
  afterAll(() => rmSync(directory, { recursive: true, force: true }))
  fuzzEveryRoute('SQLite', async () => `sqlite://${join(directory, 'fuzz.db')}`)
})

describe('schema fuzzing on SQLite, default rate limit', () => {
  fuzzWithDefaultRateLimit('SQLite', async () => 'sqlite://:memory:')
})
