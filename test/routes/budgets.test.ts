import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import {
  apiKeyHeader,
  authEnv,
  bearer,
  createKey,
  createUser,
  login,
  openSocket,
} from '../helpers/auth.js'
import {
  CODE_REPLY,
  DOCS,
  GOOD_CODE,
  llmEnv,
  promptOf,
  repliesByStage,
  TESTS,
  TESTS_REPLY,
  waitFor,
} from '../helpers/generation.js'
import { CHAT, chatBody, ScriptedLlmServer } from '../helpers/scripted-llm.js'

/**
 * Per-user budgets (OWASP API4): the request that would exceed a budget answers 429
 * APP_ERR_QUOTA_EXCEEDED with Retry-After, and the scripted upstream sees no call for it. Each
 * budget is set once as a user's own limit (PATCH /api/admin/users/{id}) and once as the default
 * of every user (PATCH /api/admin/settings).
 */

type Budget =
  'requests_per_minute' | 'concurrent_generations' | 'tokens_per_day' | 'verify_runs_per_day'

const generation = (prompt: string, verify = false) => ({
  prompt,
  programming_language: 'python',
  include_tests: false,
  include_docs: false,
  options: { cache: false, verify },
})

describe('per-user budgets (AUTH=on)', () => {
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string
  let adminHeaders: Record<string, string>
  /** Prompts containing one of these words wait until it is released. */
  const held = new Map<string, Array<() => void>>()

  const calls = () => upstream.requests(CHAT).length

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    const normal = repliesByStage(() => ({ code: CODE_REPLY, tests: TESTS_REPLY, docs: DOCS }))
    upstream.on(CHAT, async (request, response) => {
      const prompt = promptOf(chatBody(request))
      const word = [...held.keys()].find((key) => prompt.includes(key))
      if (word) await new Promise<void>((resolve) => held.get(word)!.push(resolve))
      return normal(request, response)
    })
    app = await createTestApp(authEnv(llmEnv(upstream, { LLM_MAX_RETRIES: '0' })))
    url = (await listenTestApp(app)).url
    const admin = await createUser(app, 'budget-admin', { admin: true })
    adminHeaders = bearer((await login(app, admin)).access_token)
  }, 30_000)
  afterAll(async () => {
    for (const waiting of held.values()) for (const resolve of waiting) resolve()
    await app?.close()
    await upstream?.close()
  })
  // The settings' default budgets apply to every user: each test leaves them as it found them.
  afterEach(async () => {
    const reset = await admin('PATCH', '/api/admin/settings', { budgets: null, rate_limit: null })
    expect(reset.status).toBe(200)
  })

  const send = (method: string, path: string, headers: Record<string, string>, body?: object) =>
    fetch(`${url}${path}`, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
  const admin = (method: string, path: string, body?: object) =>
    send(method, path, adminHeaders, body)

  /** A new user with an API key; with `limits`, set by an administrator over the API. */
  async function newUser(limits?: Partial<Record<Budget, number>>) {
    const user = await app.services.access.users.create(
      { name: `spender-${randomUUID().slice(0, 8)}` },
      null,
    )
    const headers = apiKeyHeader(await createKey(app, user.user.id))
    if (limits) {
      const patched = await admin('PATCH', `/api/admin/users/${user.user.id}`, { limits })
      expect(patched.status).toBe(200)
      expect((await readJson(patched)).limits).toMatchObject(limits)
    }
    return { id: user.user.id, headers }
  }

  /** Asserts the 429 of an exhausted budget, and that no model call was made for it. */
  async function expectRefused(
    response: Response,
    budget: Budget,
    callsBefore: number,
    maxRetryAfter: number,
  ) {
    const body = await readJson(response)
    expect(response.status, JSON.stringify(body)).toBe(429)
    expect(body).toMatchObject({ code: 'APP_ERR_QUOTA_EXCEEDED', status_code: 429 })
    expect(JSON.stringify(body)).toContain(budget)
    const retryAfter = response.headers.get('retry-after') ?? ''
    expect(retryAfter).toMatch(/^[1-9][0-9]*$/)
    expect(Number(retryAfter)).toBeLessThanOrEqual(maxRetryAfter)
    // Let any call the request might have started reach the upstream before counting.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(calls()).toBe(callsBefore)
  }

  const generate = (headers: Record<string, string>, prompt = `budgeted ${randomUUID()}`) =>
    send('POST', '/api/generate', headers, generation(prompt))

  describe.each([
    ['a user limit', 'user'],
    ['the default of the settings', 'settings'],
  ] as const)('set as %s', (_label, where) => {
    /** A user under `budget` = `limit`, set where this block says. */
    async function limited(budget: Budget, limit: number) {
      if (where === 'user') return newUser({ [budget]: limit })
      const patched = await admin('PATCH', '/api/admin/settings', { budgets: { [budget]: limit } })
      expect(patched.status).toBe(200)
      expect((await readJson(patched)).budgets[budget]).toBe(limit)
      return newUser()
    }

    it('requests_per_minute: the generation over the limit is refused without a model call', async () => {
      const user = await limited('requests_per_minute', 2)
      expect((await generate(user.headers)).status).toBe(200)
      expect((await generate(user.headers)).status).toBe(200)
      const before = calls()
      await expectRefused(await generate(user.headers), 'requests_per_minute', before, 60)
      // A job and a stream count against the same budget.
      await expectRefused(
        await send('POST', '/api/jobs', user.headers, generation('a queued generation request')),
        'requests_per_minute',
        before,
        60,
      )
      await expectRefused(
        await send(
          'POST',
          '/api/generate/stream',
          user.headers,
          generation('a streamed generation request'),
        ),
        'requests_per_minute',
        before,
        60,
      )
      // Someone else's budget is untouched.
      expect((await generate((await newUser()).headers)).status).toBe(200)
      // Operators see the refusals by budget.
      const metrics = await app.inject({ method: 'GET', url: '/metrics' })
      const refusals = /verigen_quota_refusals_total\{budget="requests_per_minute"\} (\d+)/.exec(
        metrics.body,
      )
      expect(Number(refusals?.[1])).toBeGreaterThanOrEqual(3)
    })

    it('concurrent_generations: a second generation while one runs is refused without a model call', async () => {
      const user = await limited('concurrent_generations', 1)
      const word = `HOLD-${randomUUID()}`
      held.set(word, [])
      const first = generate(user.headers, `wait for ${word}`)
      await waitFor(() => held.get(word)!.length === 1, 5000)
      expect(held.get(word)).toHaveLength(1)
      const before = calls()
      await expectRefused(await generate(user.headers), 'concurrent_generations', before, 60)
      for (const resolve of held.get(word)!) resolve()
      held.delete(word)
      expect((await first).status).toBe(200)
      // The slot is free again.
      expect((await generate(user.headers)).status).toBe(200)
    })

    it('tokens_per_day: once the day’s tokens are used, the next generation is refused without a model call', async () => {
      const user = await limited('tokens_per_day', 25)
      // The scripted reply uses 30 tokens: the first generation passes, and uses up the day.
      expect((await generate(user.headers)).status).toBe(200)
      const before = calls()
      await expectRefused(await generate(user.headers), 'tokens_per_day', before, 86_400)
    })

    it('verify_runs_per_day: the run over the limit is refused, a verifying generation without a model call', async () => {
      const user = await limited('verify_runs_per_day', 1)
      const run = { programming_language: 'python', code: GOOD_CODE, tests: TESTS }
      const first = await send('POST', '/api/verify', user.headers, run)
      expect(first.status, await first.clone().text()).toBe(200)
      const before = calls()
      await expectRefused(
        await send('POST', '/api/verify', user.headers, run),
        'verify_runs_per_day',
        before,
        86_400,
      )
      await expectRefused(
        await send(
          'POST',
          '/api/generate',
          user.headers,
          generation('verify this generated function', true),
        ),
        'verify_runs_per_day',
        before,
        86_400,
      )
      // An unverified generation is not a verification run: it passes.
      expect((await generate(user.headers)).status).toBe(200)
    }, 30_000)
  })

  it('counts generations started over the WebSocket against the same budget', async () => {
    const user = await newUser({ requests_per_minute: 1 })
    const socket = await openSocket(url, user.headers['x-api-key']!)
    try {
      socket.send({ type: 'generate', ref: 'first', ...generation('a generation over the socket') })
      const first = await socket.finished('first')
      expect(first.at(-1)?.type).toBe('completed')
      const before = calls()
      socket.send({ type: 'generate', ref: 'second', ...generation('one more over the socket') })
      const [refused] = await socket.finished('second')
      expect(refused?.type).toBe('error')
      expect(refused?.data).toMatchObject({
        code: 'APP_ERR_QUOTA_EXCEEDED',
        retry_after_s: expect.any(Number),
      })
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(calls()).toBe(before)
    } finally {
      socket.close()
    }
  })

  it("a user's own limit overrides the default: 0 lifts it", async () => {
    const patched = await admin('PATCH', '/api/admin/settings', {
      budgets: { requests_per_minute: 1 },
    })
    expect(patched.status).toBe(200)
    const free = await newUser({ requests_per_minute: 0 })
    for (let index = 0; index < 3; index++) expect((await generate(free.headers)).status).toBe(200)
    const bound = await newUser()
    expect((await generate(bound.headers)).status).toBe(200)
    await expectRefused(await generate(bound.headers), 'requests_per_minute', calls(), 60)
  })

  it('with AUTH=on the rate limit counts per user: two users from one address each get the whole allowance', async () => {
    const patched = await admin('PATCH', '/api/admin/settings', {
      rate_limit: { requests: 3, window_ms: 60_000 },
    })
    expect(patched.status).toBe(200)
    const [first, second] = [await newUser(), await newUser()]
    for (let index = 0; index < 3; index++) {
      expect((await send('GET', '/api/auth/me', first.headers)).status).toBe(200)
    }
    const over = await send('GET', '/api/auth/me', first.headers)
    expect(over.status).toBe(429)
    expect((await readJson(over)).code).toBe('APP_ERR_RATE_LIMITED')
    expect(over.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/)
    // The second user, from the same address, still has the whole allowance.
    for (let index = 0; index < 3; index++) {
      expect((await send('GET', '/api/auth/me', second.headers)).status).toBe(200)
    }
    expect((await send('GET', '/api/auth/me', second.headers)).status).toBe(429)
  })
})
