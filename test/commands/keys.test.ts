import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqliteGenerationStore } from '../../src/adapters/store/sqlite.js'
import { parseLifetime } from '../../src/commands/keys.js'
import { recordSecret } from '../helpers/secrets.js'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))
const directory = mkdtempSync(join(tmpdir(), 'verigen-keys-'))
const database = join(directory, 'verigen.db')
const DATABASE_URL = `sqlite://${database}`

function verigen(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, ENV_FILE: '/dev/null', DATABASE_URL },
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

async function withStore<T>(use: (store: SqliteGenerationStore) => Promise<T>): Promise<T> {
  const store = await SqliteGenerationStore.open(DATABASE_URL)
  try {
    return await use(store)
  } finally {
    await store.close()
  }
}

describe('verigen keys', () => {
  beforeAll(() => {
    expect(verigen('users', 'create', '--name', 'robot').status).toBe(0)
  }, 30_000)
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  it('prints only the key, once, and stores only its hash', async () => {
    const { status, stdout, stderr } = verigen('keys', 'create', '--user', 'robot', '--name', 'ci')
    expect(stderr).toBe('')
    expect(status).toBe(0)
    expect(stdout).toMatch(/^vg_[A-Za-z0-9_-]{43}\n$/)
    const key = stdout.trim()
    recordSecret(key)

    const hash = createHash('sha256').update(key).digest('hex')
    const entry = await withStore((store) => store.access.findApiKey(hash))
    expect(entry).toMatchObject({ name: 'ci', prefix: key.slice(0, 9), expiresAt: null })
    const bytes = [database, `${database}-wal`]
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path).toString('latin1'))
      .join('')
    expect(bytes).not.toContain(key)
    expect(bytes).not.toContain(key.slice(9))
  }, 30_000)

  it('sets an expiry from --expires in days, hours or minutes', async () => {
    const before = Date.now()
    const { status, stdout } = verigen(
      'keys',
      'create',
      '--user',
      'robot',
      '--name',
      'quarterly',
      '--expires',
      '90d',
    )
    expect(status).toBe(0)
    const key = stdout.trim()
    recordSecret(key)
    const entry = await withStore((store) =>
      store.access.findApiKey(createHash('sha256').update(key).digest('hex')),
    )
    const expires = Date.parse(entry!.expiresAt!)
    expect(expires - before).toBeGreaterThanOrEqual(90 * 86_400_000)
    expect(expires - before).toBeLessThan(90 * 86_400_000 + 60_000)
    expect(parseLifetime('12h')).toBe(12 * 3_600_000)
    expect(parseLifetime('30m')).toBe(30 * 60_000)
    for (const wrong of ['0d', '90', '1w', '-1d', '1.5h', 'd'])
      expect(parseLifetime(wrong)).toBeNull()
  }, 30_000)

  it('refuses an unknown user with 1, usage errors with 2', () => {
    const unknown = verigen('keys', 'create', '--user', 'nobody', '--name', 'ci')
    expect(unknown.status).toBe(1)
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr).toBe("verigen keys: User 'nobody' not found\n")
    expect(verigen('keys').status).toBe(2)
    expect(verigen('keys', 'list').status).toBe(2)
    expect(verigen('keys', 'create', '--user', 'robot').status).toBe(2)
    const badExpiry = verigen('keys', 'create', '--user', 'robot', '--name', 'x', '--expires', '2w')
    expect(badExpiry.status).toBe(2)
    expect(badExpiry.stderr).toContain("--expires '2w'")
    expect(verigen('keys', '--help').stdout).toContain('--expires AGE')
  }, 60_000)

  it('records the key in the audit trail by id and prefix, with the CLI as actor', async () => {
    const { items } = await withStore((store) =>
      store.access.listAudit({ limit: 10, action: 'key.created' }),
    )
    expect(items).toHaveLength(2)
    for (const item of items) {
      expect(item).toMatchObject({ actorName: 'cli', actorId: null })
      expect(item.detail.prefix).toMatch(/^vg_.{6}$/)
    }
  })
})
