import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { SqliteGenerationStore } from '../../src/adapters/store/sqlite.js'
import type { Sandbox, SandboxStatus } from '../../src/ports/sandbox.js'
import { createTestApp } from '../helpers/app.js'
import { authEnv } from '../helpers/auth.js'
import { json, ScriptedLlmServer, sleep } from '../helpers/scripted-llm.js'
import { sandboxOrSkip } from '../sandbox/helpers.js'
import { RUNNABLE } from '../sandbox/helpers.js'

/** What bubblewrap says on a machine whose kernel refuses unprivileged user namespaces. */
const REFUSED = 'bwrap: setting up uid map: Permission denied'

/** A sandbox that cannot start, as where bubblewrap is missing or namespaces are refused. */
class RefusedSandbox implements Sandbox {
  readonly backend = 'bwrap'
  probe(): Promise<SandboxStatus> {
    return Promise.resolve({ available: false, backend: this.backend, reason: REFUSED })
  }
  run(): Promise<never> {
    return Promise.reject(new Error(REFUSED))
  }
}

describe('GET /api/health', () => {
  let upstream: ScriptedLlmServer

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
  })
  afterAll(async () => {
    await upstream.close()
  })

  it('is healthy with no provider configured, and says what to set', async () => {
    const app = await createTestApp()
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({
      status: 'healthy',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      auth: 'off',
      uptime_s: expect.any(Number),
      services: {
        llm: { status: 'not_configured', provider: null, model: null },
        database: { status: 'ok', backend: 'sqlite', latency_ms: expect.any(Number) },
        cache: { status: 'ok', backend: 'memory' },
        rate_limiter: { status: 'ok', backend: 'memory', limit: 100, window_ms: 60_000 },
        analysis: { status: 'ok', backend: 'worker-processes', workers: 0, busy: 0, queued: 0 },
      },
    })
    expect(body.services.llm.detail).toMatch(/OPENAI_API_KEY/)
    await app.close()
  })

  it('says whether the other routes ask for a credential, without asking for one itself', async () => {
    const app = await createTestApp(authEnv())
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(response.statusCode).toBe(200)
    expect(response.json().auth).toBe('on')
    await app.close()
  })

  it('probes an OpenAI-compatible provider at most once per interval', async () => {
    const app = await createTestApp({
      LLM_PROVIDER: 'openai-compatible',
      LLM_BASE_URL: `${upstream.url}/v1`,
      LLM_MODEL: 'scripted-model',
      LLM_API_KEY: 'sk-health-secret',
    })
    const before = upstream.requests('GET /v1/models').length
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => app.inject({ method: 'GET', url: '/api/health' })),
    )
    responses.push(await app.inject({ method: 'GET', url: '/api/health' }))
    for (const response of responses) {
      expect(response.json().services.llm).toMatchObject({
        status: 'ok',
        provider: 'openai-compatible',
        model: 'scripted-model',
      })
    }
    const probes = upstream.requests('GET /v1/models').slice(before)
    expect(probes).toHaveLength(1)
    expect(probes[0]!.headers.authorization).toBe('Bearer sk-health-secret')
    expect(responses.map((response) => response.body).join('')).not.toContain('sk-health-secret')
    await app.close()
  })

  it("probes through the model calls' node:http transport, not the global fetch", async () => {
    const app = await createTestApp({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: `${upstream.url}/v1`,
      LLM_API_KEY: 'sk-transport',
    })
    const globalFetch = vi.fn(() => Promise.reject(new Error('the global fetch was used')))
    vi.stubGlobal('fetch', globalFetch)
    try {
      const response = await app.inject({ method: 'GET', url: '/api/health' })
      expect(response.json().services.llm).toMatchObject({ status: 'ok', provider: 'openai' })
      expect(globalFetch).not.toHaveBeenCalled()
    } finally {
      vi.unstubAllGlobals()
      await app.close()
    }
  })

  it('reports a provider that rejects the key as down, and the service as degraded', async () => {
    upstream.once('GET /v1/models', (_request, response) =>
      json(response, 401, { error: { message: 'Incorrect API key provided' } }),
    )
    const app = await createTestApp({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: `${upstream.url}/v1`,
      LLM_API_KEY: 'sk-wrong',
    })
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      status: 'degraded',
      services: { llm: { status: 'down', provider: 'openai', model: 'gpt-4o-mini' } },
    })
    expect(response.json().services.llm.detail).toMatch(
      /rejected the credentials \(HTTP 401\); check LLM_API_KEY/,
    )
    expect(response.body).not.toContain('sk-wrong')
    await app.close()
  })

  it('reports an unreachable provider as down', async () => {
    const app = await createTestApp({
      LLM_BASE_URL: 'http://127.0.0.1:9/v1',
      LLM_MODEL: 'nothing-here',
    })
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(response.json().services.llm).toMatchObject({
      status: 'down',
      provider: 'openai-compatible',
    })
    expect(response.json().services.llm.detail).toMatch(
      /Cannot reach the openai-compatible provider at http:\/\/127\.0\.0\.1:9/,
    )
    await app.close()
  })

  it('probes Anthropic with its own headers', async () => {
    const app = await createTestApp({
      ANTHROPIC_API_KEY: 'ak-secret',
      LLM_BASE_URL: `${upstream.url}/v1`,
    })
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(response.json().services.llm).toMatchObject({ status: 'ok', provider: 'anthropic' })
    const probe = upstream.requests('GET /v1/models').at(-1)!
    expect(probe.headers['x-api-key']).toBe('ak-secret')
    expect(probe.headers['anthropic-version']).toBe('2023-06-01')
    await app.close()
  })

  it('answers in time when the provider hangs', async () => {
    upstream.once('GET /v1/models', async (_request, response) => {
      await sleep(6000)
      json(response, 200, { data: [] })
    })
    const app = await createTestApp({ LLM_BASE_URL: `${upstream.url}/v1`, LLM_MODEL: 'slow' })
    const started = performance.now()
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(performance.now() - started).toBeLessThan(5000)
    expect(response.json()).toMatchObject({
      status: 'degraded',
      services: { llm: { status: 'down' } },
    })
    await app.close()
  }, 15_000)

  it('is unhealthy (503) when the database is down', async () => {
    const store = await SqliteGenerationStore.open('sqlite://:memory:')
    await store.close()
    const app = await createTestApp({}, { store })
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({
      status: 'unhealthy',
      services: {
        database: { status: 'down', detail: expect.stringMatching(/SQLite database unavailable/) },
      },
    })
    await app.close()
  })

  it('reports the sandbox and the languages whose tests run here', async () => {
    // Real bubblewrap and toolchains: skipped without them, failing under CI=true.
    if (!(await sandboxOrSkip())) return
    const app = await createTestApp()
    await app.services.verifier.start()
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      status: 'healthy',
      services: {
        sandbox: { status: 'ok', backend: 'bwrap', languages_available: RUNNABLE, running: 0 },
      },
    })
    expect(response.json().services.sandbox.detail).toBeUndefined()
    await app.close()
  })

  it('says the sandbox is not configured with SANDBOX=off, and stays healthy', async () => {
    const app = await createTestApp({ SANDBOX: 'off' })
    await app.services.verifier.start()
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      status: 'healthy',
      services: {
        sandbox: {
          status: 'not_configured',
          backend: 'off',
          languages_available: [],
          detail: expect.stringMatching(/SANDBOX=off/),
        },
      },
    })
    await app.close()
  })

  it('is degraded, never unhealthy, when the sandbox cannot start; the rest still works', async () => {
    const app = await createTestApp({}, { sandbox: new RefusedSandbox() })
    await app.services.verifier.start()
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      status: 'degraded',
      services: {
        database: { status: 'ok' },
        sandbox: {
          status: 'degraded',
          backend: 'bwrap',
          languages_available: [],
          detail: expect.stringContaining(REFUSED),
        },
      },
    })
    const verify = await app.inject({
      method: 'POST',
      url: '/api/verify',
      payload: {
        programming_language: 'python',
        code: 'def f():\n    return 1\n',
        tests: 'from solution import f\n\n\ndef test_f():\n    assert f() == 1\n',
      },
    })
    expect(verify.statusCode).toBe(200)
    expect(verify.json()).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining(REFUSED),
    })
    const languages = await app.inject({ method: 'GET', url: '/api/languages/python' })
    expect(languages.json().verification).toMatchObject({
      available: false,
      reason: expect.stringContaining(REFUSED),
    })
    const analysis = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { programming_language: 'python', code: 'def f():\n    return 1\n' },
    })
    expect(analysis.statusCode).toBe(200)
    await app.close()
  })

  it('is never rate limited', async () => {
    const app = await createTestApp({ RATE_LIMIT_REQUESTS: '2' })
    for (let index = 0; index < 5; index += 1) {
      expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200)
    }
    await app.close()
  })
})
