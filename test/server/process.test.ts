import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJson } from '../helpers/app.js'
import { sleep, spawnServer, startServerProcess } from '../helpers/process.js'
import { json, ScriptedLlmServer } from '../helpers/scripted-llm.js'

describe('server process', () => {
  let upstream: ScriptedLlmServer
  const directory = mkdtempSync(join(tmpdir(), 'verigen-process-'))

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
  })
  afterAll(async () => {
    await upstream.close()
    rmSync(directory, { recursive: true, force: true })
  })

  it('refuses to start on invalid configuration, one line per problem, no stack trace', async () => {
    const server = spawnServer({ PORT: 'eighty', LOG_LEVEL: 'loud', LLM_PROVIDER: 'openai' })
    expect(await server.exit).toBe(1)
    const lines = server.stderr().trim().split('\n')
    expect(lines[0]).toBe('Invalid configuration:')
    expect(lines).toContain("  PORT: must be an integer from 0 to 65535, got 'eighty'")
    expect(lines.some((line) => line.startsWith('  LOG_LEVEL: must be one of'))).toBe(true)
    expect(server.stderr()).not.toMatch(/^\s+at /m)
  })

  it('creates its SQLite database under the configured path on first start', async () => {
    const server = await startServerProcess({
      DATABASE_URL: `sqlite://${join(directory, 'first', 'verigen.db')}`,
    })
    const health = await fetch(`${server.url}/api/health`)
    expect((await readJson(health)).services.database).toMatchObject({
      status: 'ok',
      backend: 'sqlite',
    })
    server.child.kill('SIGTERM')
    expect(await server.exit).toBe(0)
  })

  it('lets an in-flight request finish on SIGTERM, refuses new connections, and exits 0', async () => {
    upstream.once('GET /v1/models', async (_request, response) => {
      await sleep(1200)
      json(response, 200, { data: [] })
    })
    const server = await startServerProcess({
      DATABASE_URL: `sqlite://${join(directory, 'drain.db')}`,
      LLM_BASE_URL: `${upstream.url}/v1`,
      LLM_MODEL: 'scripted-model',
      SHUTDOWN_TIMEOUT_MS: '5000',
    })
    const probesBefore = upstream.requests('GET /v1/models').length
    const inFlight = fetch(`${server.url}/api/health`)
    while (upstream.requests('GET /v1/models').length === probesBefore) await sleep(10)

    const signalled = performance.now()
    server.child.kill('SIGTERM')
    await sleep(200)
    await expect(fetch(`${server.url}/api/languages`)).rejects.toThrow()

    const response = await inFlight
    expect(response.status).toBe(200)
    expect((await readJson(response)).services.llm.status).toBe('ok')
    expect(await server.exit).toBe(0)
    expect(performance.now() - signalled).toBeLessThan(4000)
    expect(server.stdout()).toContain('"timed_out":false')
  }, 20_000)

  it('closes requests still running at the shutdown deadline, then exits 0', async () => {
    upstream.once('GET /v1/models', async (_request, response) => {
      await sleep(2000)
      json(response, 200, { data: [] })
    })
    const server = await startServerProcess({
      DATABASE_URL: `sqlite://${join(directory, 'deadline.db')}`,
      LLM_BASE_URL: `${upstream.url}/v1`,
      LLM_MODEL: 'scripted-model',
      SHUTDOWN_TIMEOUT_MS: '300',
    })
    const probesBefore = upstream.requests('GET /v1/models').length
    const inFlight = fetch(`${server.url}/api/health`).then(
      () => 'answered',
      () => 'connection closed',
    )
    while (upstream.requests('GET /v1/models').length === probesBefore) await sleep(10)
    const signalled = performance.now()
    server.child.kill('SIGTERM')
    expect(await server.exit).toBe(0)
    expect(performance.now() - signalled).toBeLessThan(1500)
    expect(await inFlight).toBe('connection closed')
    expect(server.stdout()).toContain('shutdown deadline passed')
  }, 20_000)
})
