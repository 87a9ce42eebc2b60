import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJson } from '../helpers/app.js'
import { JWT_SECRET, runCli } from '../helpers/auth.js'
import { CODE_REPLY } from '../helpers/generation.js'
import { spawnServer } from '../helpers/process.js'
import { CHAT, chatReply, ScriptedLlmServer } from '../helpers/scripted-llm.js'
import { serviceAvailable } from '../helpers/services.js'
import {
  baseEnv,
  freshPostgres,
  killAll,
  startApi,
  until,
  type AppProcess,
} from '../helpers/workers.js'

/**
 * Access control as an operator meets it, with real processes: a public HOST without AUTH is
 * refused at start; users and keys made with the CLI work against the running server; a setting
 * changed through one API process is applied by another sharing the database.
 */

const directory = mkdtempSync(join(tmpdir(), 'auth-processes-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

describe('AUTH and a public HOST', () => {
  const processes: AppProcess[] = []
  afterAll(() => killAll(processes), 20_000)

  it('refuses to start on 0.0.0.0 without AUTH, and says so', async () => {
    const refused = spawnServer({
      HOST: '0.0.0.0',
      DATABASE_URL: `sqlite://${join(directory, 'refused.db')}`,
      SANDBOX: 'off',
      LOG_LEVEL: 'info',
    })
    const code = await Promise.race([
      refused.exit,
      new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 30_000)),
    ])
    if (code === 'running') refused.child.kill('SIGKILL')
    expect(code).not.toBe('running')
    expect(code).not.toBe(0)
    expect(refused.stderr()).toContain('AUTH')
    expect(refused.stderr()).toContain('0.0.0.0')
    expect(refused.stdout()).not.toContain('server listening')
  }, 40_000)

  it('starts on 0.0.0.0 with an explicit AUTH=off, and logs a warning', async () => {
    const started = await startApi({
      HOST: '0.0.0.0',
      AUTH: 'off',
      DATABASE_URL: `sqlite://${join(directory, 'open.db')}`,
      SANDBOX: 'off',
      LOG_LEVEL: 'info',
    })
    processes.push(started)
    const warning = started
      .logs()
      .find((line) => line.level === 40 && String(line.msg).includes('AUTH=off'))
    expect(warning, started.stdout()).toBeDefined()
    // Open to everyone, as it said: no credential needed.
    const port = new URL(started.url).port
    expect((await fetch(`http://127.0.0.1:${port}/api/generations`)).status).toBe(200)
  }, 60_000)
})

/** Two API processes on one database, with users and keys made by the CLI. */
function sharedDatabaseSuite(
  name: string,
  database: () => Promise<{ url: string; drop: () => Promise<void> }>,
) {
  describe(`two API processes sharing ${name}`, () => {
    const upstream = new ScriptedLlmServer()
    const processes: AppProcess[] = []
    let environment: Record<string, string>
    let drop: () => Promise<void> = async () => {}
    let adminToken = ''
    const adminPassword = 'the-administrator-password-of-the-process-tests'

    beforeAll(async () => {
      await upstream.start()
      upstream.on(CHAT, chatReply(CODE_REPLY))
      const made = await database()
      drop = made.drop
      environment = {
        ...baseEnv(upstream.url),
        DATABASE_URL: made.url,
        AUTH: 'on',
        JWT_SECRET,
        SETTINGS_REFRESH_MS: '200',
      }
      // The first administrator comes from the CLI, before any server runs.
      const admin = await runCli(
        ['users', 'create', '--name', 'operator', '--admin', '--password-stdin'],
        environment,
        `${adminPassword}\n`,
      )
      expect(admin.code, admin.stderr).toBe(0)
      expect(admin.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/)
      // The CLI has applied the migrations: both processes may start at once.
      const started = await Promise.allSettled([startApi(environment), startApi(environment)])
      for (const result of started) if (result.status === 'fulfilled') processes.push(result.value)
      for (const result of started) if (result.status === 'rejected') throw result.reason
      const login = await fetch(`${processes[0]!.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'operator', password: adminPassword }),
      })
      expect(login.status).toBe(200)
      adminToken = (await readJson(login)).access_token
    }, 120_000)
    afterAll(async () => {
      await killAll(processes)
      await upstream.close()
      await drop()
    }, 30_000)

    const generate = (url: string, token: string, prompt: string) =>
      fetch(`${url}/api/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          prompt,
          programming_language: 'python',
          include_tests: false,
          include_docs: false,
          options: { cache: false },
        }),
      })

    it('lets a user and a key made with the CLI log in and call the running server', async () => {
      const [first] = processes as [AppProcess, AppProcess]
      const user = await runCli(['users', 'create', '--name', 'cli-user'], environment)
      expect(user.code, user.stderr).toBe(0)
      const [id, passwordLine] = user.stdout.trim().split('\n')
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      const password = passwordLine?.replace(/^password: /, '') ?? ''
      expect(password.length).toBeGreaterThan(8)

      const login = await fetch(`${first.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'cli-user', password }),
      })
      expect(login.status).toBe(200)
      const token = (await readJson(login)).access_token
      const me = await fetch(`${first.url}/api/auth/me`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(await readJson(me)).toMatchObject({ auth: 'on', id, name: 'cli-user', admin: false })

      const key = await runCli(
        ['keys', 'create', '--user', 'cli-user', '--name', 'ci', '--expires', '1d'],
        environment,
      )
      expect(key.code, key.stderr).toBe(0)
      // Only the key on stdout, once.
      expect(key.stdout).toMatch(/^vg_[A-Za-z0-9_-]{43}\n$/)
      const byKey = await fetch(`${processes[1]!.url}/api/auth/me`, {
        headers: { 'x-api-key': key.stdout.trim() },
      })
      expect(byKey.status).toBe(200)
      expect(await readJson(byKey)).toMatchObject({ name: 'cli-user', via: 'api_key' })
      // A user disabled with the CLI is refused at once, by either process.
      const disabled = await runCli(['users', 'disable', 'cli-user'], environment)
      expect(disabled.code, disabled.stderr).toBe(0)
      for (const running of processes) {
        const refused = await fetch(`${running.url}/api/auth/me`, {
          headers: { 'x-api-key': key.stdout.trim() },
        })
        expect(refused.status).toBe(401)
      }
    }, 60_000)

    it('applies a setting changed through one process in the other within seconds', async () => {
      const [first, second] = processes as [AppProcess, AppProcess]
      const prompt = 'a prompt of more than twenty characters'
      // Before: the second process takes the prompt.
      expect((await generate(second.url, adminToken, prompt)).status).toBe(200)
      const patched = await fetch(`${first.url}/api/admin/settings`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ max_prompt_length: 20 }),
      })
      expect(patched.status).toBe(200)
      expect((await readJson(patched)).max_prompt_length).toBe(20)
      const started = Date.now()
      let last: Response | undefined
      const applied = await until(async () => {
        last = await generate(second.url, adminToken, prompt)
        return last.status === 400
      }, 8000)
      expect(applied, `still ${last?.status} after ${Date.now() - started} ms`).toBe(true)
      expect((await readJson(last!)).code).toBe('APP_ERR_VALIDATION')
      // And back: null returns to the environment's value, in the other process too.
      await fetch(`${second.url}/api/admin/settings`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ max_prompt_length: null }),
      })
      expect(
        await until(
          async () => (await generate(first.url, adminToken, prompt)).status === 200,
          8000,
        ),
      ).toBe(true)
    }, 60_000)
  })
}

sharedDatabaseSuite('a SQLite file', async () => ({
  url: `sqlite://${join(directory, 'shared.db')}`,
  drop: async () => {},
}))

const postgresUp = await serviceAvailable('PostgreSQL', '127.0.0.1', 5432)
if (postgresUp) sharedDatabaseSuite('PostgreSQL', freshPostgres)
