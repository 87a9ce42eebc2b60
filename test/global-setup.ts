import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import {
  ARTIFACTS_VARIABLE,
  recordedSecrets,
  scanFiles,
  searchText,
  sqliteFilesUnder,
  type SecretHit,
} from './helpers/secrets.js'
import { POSTGRES_URL } from './helpers/services.js'

/**
 * The secret scan, the suite's last step. Before the tests, a fresh artifacts directory is made
 * and named in the environment the test workers inherit; the helpers write into it every log line
 * of the apps under test, every response body, each app's stored generations when it closes and
 * the output of spawned servers, with the secrets the tests configured. After the tests, every
 * artifact, every SQLite file the tests left in the temporary directory and the tables of the
 * PostgreSQL databases tests use are searched for those secrets. A hit fails the run.
 */
export function setup(): () => Promise<void> {
  const startedAt = Date.now()
  const directory = mkdtempSync(join(tmpdir(), 'verigen-artifacts-'))
  process.env[ARTIFACTS_VARIABLE] = directory

  return async function teardown() {
    const secrets = recordedSecrets(directory)
    const sqliteFiles = sqliteFilesUnder(tmpdir(), startedAt)
    const hits = [...scanFiles(directory, secrets, sqliteFiles), ...(await scanPostgres(secrets))]
    if (hits.length === 0) {
      // One line, so that a CI log shows the scan ran and what it covered.
      const artifacts = readdirSync(directory).filter((name) => name !== 'secrets').length
      console.log(
        `\nSecret scan: ${secrets.length} secrets searched in ${artifacts} artifact files, ${sqliteFiles.length} SQLite files and the PostgreSQL tables; no hit\n`,
      )
      rmSync(directory, { recursive: true, force: true })
      return
    }
    const lines = hits
      .slice(0, 50)
      .map((hit) => `  ${hit.source}: …${hit.excerpt}…`)
      .join('\n')
    console.error(
      `\nSecret scan FAILED: ${hits.length} configured secret(s) found in what the suite produced (artifacts kept in ${directory}):\n${lines}\n`,
    )
    // Vitest reports an error thrown here but still exits 0; the run must fail.
    process.exitCode = 1
  }
}

/** The rows of every table in the `test` database and the `verigen*` databases still there. */
async function scanPostgres(secrets: readonly string[]): Promise<SecretHit[]> {
  const admin = postgres(POSTGRES_URL, { max: 1, connect_timeout: 2, onnotice: () => {} })
  const hits: SecretHit[] = []
  try {
    const databases = await admin<{ datname: string }[]>`
      SELECT datname FROM pg_database
      WHERE datname = current_database() OR datname LIKE 'verigen%'`
    for (const { datname } of databases) {
      const url = new URL(POSTGRES_URL)
      url.pathname = `/${datname}`
      const client = postgres(url.toString(), { max: 1, connect_timeout: 2, onnotice: () => {} })
      try {
        const tables = await client<{ schema: string; name: string }[]>`
          SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`
        for (const table of tables) {
          const rows = await client.unsafe<{ row: string }[]>(
            `SELECT row_to_json(t)::text AS row FROM "${table.schema.replaceAll('"', '""')}"."${table.name.replaceAll('"', '""')}" t LIMIT 100000`,
          )
          const text = rows.map((row) => row.row).join('\n')
          hits.push(
            ...searchText(text, secrets, `postgres ${datname}.${table.schema}.${table.name}`),
          )
        }
      } catch {
        // Dropped by its test meanwhile.
      } finally {
        await client.end({ timeout: 1 })
      }
    }
  } catch {
    // No PostgreSQL here: the tests that need it skipped (or failed under CI=true).
  } finally {
    await admin.end({ timeout: 1 })
  }
  return hits
}
