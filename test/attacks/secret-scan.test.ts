import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { sampleRecord } from '../contracts/generation-store.contract.js'
import { createTestApp, listenTestApp } from '../helpers/app.js'
import {
  ARTIFACTS_VARIABLE,
  closeArtifacts,
  recordArtifact,
  recordedSecrets,
  recordSecret,
  redactedExcerpt,
  scanFiles,
  secretsOf,
  sqliteFilesUnder,
} from '../helpers/secrets.js'

/**
 * The scanner of the suite's last step (test/global-setup.ts), proved on canaries planted in a
 * directory of its own: the real run's artifacts never see them, so the real scan stays clean.
 */
describe('secret scan', () => {
  const directory = mkdtempSync(join(tmpdir(), 'scan-test-'))
  const canary = `sk-planted-${randomUUID()}`
  afterAll(() => {
    closeArtifacts()
    rmSync(directory, { recursive: true, force: true })
  })

  it('finds a planted key in each kind of artifact and in a SQLite file, masked', () => {
    const artifacts = join(directory, 'artifacts')
    recordSecret(canary, artifacts)
    recordArtifact('log', `{"level":50,"msg":"upstream said Invalid key ${canary}"}`, artifacts)
    recordArtifact('response', `{"detail":"${canary}"}`, artifacts)
    recordArtifact('row', JSON.stringify({ error: `key ${canary}` }), artifacts)
    recordArtifact('process', `listening; key=${canary}`, artifacts)
    const databaseDirectory = join(directory, 'verigen-db')
    rmSync(databaseDirectory, { recursive: true, force: true })
    const databasePath = join(mkdtempSync(databaseDirectory), 'history.db')
    const database = new Database(databasePath)
    database.exec('CREATE TABLE generations (id TEXT, error TEXT)')
    database.prepare('INSERT INTO generations VALUES (?, ?)').run('1', `refused ${canary}`)
    database.close()
    closeArtifacts()

    const secrets = recordedSecrets(artifacts)
    expect(secrets).toContain(canary)
    const hits = scanFiles(artifacts, secrets, sqliteFilesUnder(directory, 0))
    const sources = hits.map((hit) => hit.source.replace(/.*\//, '').replace(/-\d+\.txt$/, ''))
    expect(sources.sort()).toEqual(['history.db', 'log', 'process', 'response', 'row'])
    for (const hit of hits) expect(hit.excerpt).not.toContain(canary)
    expect(hits[0]?.excerpt).toContain('sk-p…[')
  })

  it('finds nothing where no secret went', () => {
    const clean = join(directory, 'clean')
    recordArtifact('log', '{"msg":"request completed"}', clean)
    closeArtifacts()
    expect(scanFiles(clean, [canary])).toEqual([])
  })

  it('takes keys and URL passwords from an environment, not short or plain values', () => {
    expect(
      secretsOf({
        LLM_API_KEY: 'sk-abcdefgh123',
        OPENAI_API_KEY: 'short',
        DATABASE_URL: 'postgres://user:p%40ssword-long@127.0.0.1/db',
        REDIS_URL: 'redis://127.0.0.1:6379',
        LLM_MODEL: 'a-long-model-name',
      }),
    ).toEqual(['sk-abcdefgh123', 'p@ssword-long'])
    expect(redactedExcerpt('before SECRET-VALUE after', 7, 'SECRET-VALUE')).toBe(
      'before SECR…[12 characters] after',
    )
  })

  it('receives what a test app logs, answers and stores', async () => {
    const previous = process.env[ARTIFACTS_VARIABLE]
    const artifacts = join(directory, 'app')
    process.env[ARTIFACTS_VARIABLE] = artifacts
    try {
      const app = await createTestApp({ DATABASE_URL: 'sqlite://:memory:' })
      const marker = `marker-${randomUUID()}`
      await app.inject({ method: 'GET', url: `/api/languages/${marker}` })
      const { url } = await listenTestApp(app)
      const response = await fetch(`${url}/api/languages/${marker}-socket`)
      await response.text()
      await app.services.store.insert(
        sampleRecord({ error: { code: null, detail: `stored ${marker}` } }),
      )
      await app.close()
      closeArtifacts()
      const hits = scanFiles(artifacts, [marker])
      const kinds = new Set(
        hits.map((hit) => hit.source.replace(/.*\//, '').replace(/-\d+\.txt$/, '')),
      )
      expect([...kinds].sort()).toEqual(['log', 'response', 'row'])
      expect(hits.filter((hit) => hit.source.includes('response'))).toHaveLength(2)
    } finally {
      if (previous === undefined) delete process.env[ARTIFACTS_VARIABLE]
      else process.env[ARTIFACTS_VARIABLE] = previous
    }
  })
})
