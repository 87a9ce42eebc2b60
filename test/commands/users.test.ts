import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { SqliteGenerationStore } from '../../src/adapters/store/sqlite.js'
import { verifyPassword } from '../../src/services/access/passwords.js'
import { recordSecret } from '../helpers/secrets.js'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))
const directory = mkdtempSync(join(tmpdir(), 'verigen-users-'))
const database = join(directory, 'verigen.db')
const DATABASE_URL = `sqlite://${database}`

function verigen(args: string[], input?: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    input: input ?? '',
    env: { ...process.env, ENV_FILE: '/dev/null', DATABASE_URL },
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Every byte the database left on disk, write-ahead log included. */
function databaseBytes(): string {
  return [database, `${database}-wal`]
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString('latin1'))
    .join('')
}

async function storedUser(name: string) {
  const store = await SqliteGenerationStore.open(DATABASE_URL)
  try {
    return await store.access.findUserByName(name)
  } finally {
    await store.close()
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('verigen users', () => {
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  it('creates an admin with a generated password, printed once after the id', async () => {
    const { status, stdout, stderr } = verigen(['users', 'create', '--name', 'root', '--admin'])
    expect(stderr).toBe('')
    expect(status).toBe(0)
    const lines = stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(UUID)
    expect(lines[1]).toMatch(/^password: [A-Za-z0-9_-]{24}$/)
    const password = lines[1]!.slice('password: '.length)
    recordSecret(password)

    const user = await storedUser('root')
    expect(user).toMatchObject({ id: lines[0], admin: true, disabled: false })
    expect(await verifyPassword(password, user!.passwordHash!)).toBe(true)
    expect(databaseBytes()).not.toContain(password)
  }, 30_000)

  it('creates a user with the password read from stdin, without its trailing newline', async () => {
    const password = 'a password from stdin ü'
    recordSecret(password)
    const { status, stdout } = verigen(
      ['users', 'create', '--name', 'alice', '--password-stdin'],
      `${password}\n`,
    )
    expect(status).toBe(0)
    expect(stdout.trimEnd().split('\n')).toHaveLength(1)
    expect(stdout.trim()).toMatch(UUID)
    const user = await storedUser('alice')
    expect(user!.admin).toBe(false)
    expect(await verifyPassword(password, user!.passwordHash!)).toBe(true)
    expect(await verifyPassword(`${password}\n`, user!.passwordHash!)).toBe(false)
    expect(databaseBytes()).not.toContain(password)
  }, 30_000)

  it('refuses a name taken and a short password with 1 and one line on stderr', () => {
    const taken = verigen(['users', 'create', '--name', 'alice'])
    expect(taken.status).toBe(1)
    expect(taken.stdout).toBe('')
    expect(taken.stderr).toBe("verigen users: A user named 'alice' already exists\n")
    const short = verigen(['users', 'create', '--name', 'bob', '--password-stdin'], 'short\n')
    expect(short.status).toBe(1)
    expect(short.stderr.trimEnd().split('\n')).toHaveLength(1)
    const badName = verigen(['users', 'create', '--name', 'has space'])
    expect(badName.status).toBe(1)
  }, 30_000)

  it('lists the users as a table and as JSON', () => {
    const table = verigen(['users', 'list'])
    expect(table.status).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ID\s+NAME\s+ADMIN\s+DISABLED\s+CREATED$/)
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(1, 4))).toEqual([
      ['alice', 'no', 'no'],
      ['root', 'yes', 'no'],
    ])
    const json = verigen(['users', 'list', '--json'])
    expect(json.status).toBe(0)
    const users = JSON.parse(json.stdout) as Array<Record<string, unknown>>
    expect(users.map((user) => [user.name, user.admin, user.disabled])).toEqual([
      ['alice', false, false],
      ['root', true, false],
    ])
    expect(users[0]!.id).toMatch(UUID)
    expect(json.stdout).not.toMatch(/scrypt|password/i)
  }, 30_000)

  it('disables a user by name; an unknown name exits 1', async () => {
    const { status } = verigen(['users', 'disable', 'alice'])
    expect(status).toBe(0)
    expect((await storedUser('alice'))!.disabled).toBe(true)
    const unknown = verigen(['users', 'disable', 'nobody'])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toBe("verigen users: User 'nobody' not found\n")
  }, 30_000)

  it('answers usage errors with 2, and documents itself', () => {
    expect(verigen(['users']).status).toBe(2)
    expect(verigen(['users', 'rename']).status).toBe(2)
    expect(verigen(['users', 'create']).status).toBe(2)
    expect(verigen(['users', 'create', '--name', 'x', '--color']).status).toBe(2)
    expect(verigen(['users', 'disable']).status).toBe(2)
    const help = verigen(['users', '--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('--password-stdin')
    expect(verigen(['--help']).stdout).toMatch(/^ {2}users /m)
  }, 60_000)

  it('records the CLI as the actor in the audit trail', async () => {
    const store = await SqliteGenerationStore.open(DATABASE_URL)
    try {
      const { items } = await store.access.listAudit({ limit: 20 })
      expect(items.map((item) => item.action)).toEqual(
        expect.arrayContaining(['user.created', 'user.disabled']),
      )
      for (const item of items) expect(item).toMatchObject({ actorId: null, actorName: 'cli' })
    } finally {
      await store.close()
    }
  })
})
