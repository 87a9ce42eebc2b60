import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import {
  asksForJavaScript,
  waitFor,
  BROKEN_CODE,
  DOCS,
  GOOD_CODE,
  JS_CODE,
  llmEnv,
  promptOf,
  stageOf,
  TESTS,
} from '../helpers/generation.js'
import {
  CHAT,
  chatBody,
  chatReply,
  errorReply,
  fenced,
  ScriptedLlmServer,
  sleep,
  type ReceivedRequest,
} from '../helpers/scripted-llm.js'
import { POSTGRES_URL, REDIS_URL, serviceAvailable } from '../helpers/services.js'

/** The model's answer: JavaScript or Python by the system prompt; `[broken]` never parses. */
function scriptedModel(request: ReceivedRequest): string {
  const body = chatBody(request)
  const stage = stageOf(body)
  if (stage === 'docs') return DOCS
  if (stage === 'tests') return fenced('python', TESTS)
  if (asksForJavaScript(body)) return fenced('javascript', JS_CODE)
  return fenced('python', promptOf(body).includes('[broken]') ? BROKEN_CODE : GOOD_CODE)
}

interface Backend {
  name: string
  available: boolean
  /** Prepares the database and returns its DATABASE_URL. */
  open(): Promise<string>
  close(): Promise<void>
}

const sqlite: Backend = {
  name: 'SQLite',
  available: true,
  open: async () => 'sqlite://:memory:',
  close: async () => {},
}

const postgresUrl = new URL(POSTGRES_URL)
/** Each run works in a database of its own, dropped at the end. */
const databaseName = `verigen_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`
let admin: postgres.Sql | null = null
const postgresBackend: Backend = {
  name: 'PostgreSQL',
  available: await serviceAvailable(
    'PostgreSQL',
    postgresUrl.hostname,
    Number(postgresUrl.port || 5432),
  ),
  async open() {
    admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} })
    await admin.unsafe(`CREATE DATABASE ${databaseName}`)
    const url = new URL(POSTGRES_URL)
    url.pathname = `/${databaseName}`
    return url.toString()
  },
  async close() {
    if (!admin) return
    await admin.unsafe(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`)
    await admin.end()
  },
}

interface Summary {
  id: string
  status: string
  programming_language: string
  prompt: string
  error: string | null
}

function historySuite(backend: Backend) {
  describe.skipIf(!backend.available)(`generation history on ${backend.name}`, () => {
    let upstream: ScriptedLlmServer
    let app: FastifyInstance
    let url: string
    /** The generations made up front, oldest first, as POST returned them. */
    const made: Array<{ request: Record<string, unknown>; body: Record<string, unknown> }> = []

    async function generate(request: Record<string, unknown>): Promise<Response> {
      return fetch(`${url}/api/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      })
    }

    async function list(query = ''): Promise<{ items: Summary[]; next_cursor: string | null }> {
      const response = await fetch(`${url}/api/generations${query}`)
      expect(response.status).toBe(200)
      return readJson(response)
    }

    /** Every page of a listing, following next_cursor. */
    async function allPages(query: string): Promise<Array<Awaited<ReturnType<typeof list>>>> {
      const pages = [await list(`?${query}`)]
      while (pages.at(-1)?.next_cursor) {
        const cursor = encodeURIComponent(pages.at(-1)?.next_cursor as string)
        pages.push(await list(`?${query}&cursor=${cursor}`))
        if (pages.length > 10) throw new Error('pagination does not end')
      }
      return pages
    }

    const ids = (items: Summary[]) => items.map((item) => item.id)

    beforeAll(async () => {
      upstream = await new ScriptedLlmServer().start()
      upstream.on(CHAT, (request, response) => chatReply(scriptedModel(request))(request, response))
      app = await createTestApp(
        llmEnv(upstream, {
          DATABASE_URL: await backend.open(),
          LLM_MAX_RETRIES: '0',
          RATE_LIMIT_REQUESTS: '0',
        }),
      )
      url = (await listenTestApp(app)).url

      const requests: Array<Record<string, unknown>> = [
        { prompt: 'turn a title into a URL slug', programming_language: 'python' },
        {
          prompt: 'reverse the words of a sentence',
          programming_language: 'javascript',
          include_tests: false,
          include_docs: false,
        },
        {
          prompt: 'turn a title into a slug [broken]',
          programming_language: 'python',
          options: { max_repair_attempts: 0 },
        },
        {
          prompt: 'reverse the words, keeping punctuation',
          programming_language: 'js',
          include_tests: false,
          include_docs: false,
        },
        {
          prompt: 'slugify a title without documentation',
          programming_language: 'py',
          include_docs: false,
        },
      ]
      for (const request of requests) {
        const response = await generate(request)
        expect(response.status).toBe(200)
        made.push({ request, body: await readJson(response) })
        // Distinct creation times, so that "newest first" has one answer.
        await sleep(5)
      }
      expect(made.map(({ body }) => body.status)).toEqual([
        'completed',
        'completed',
        'failed',
        'completed',
        'completed',
      ])
    })
    afterAll(async () => {
      await app?.close()
      await upstream?.close()
      await backend.close()
    })

    it('lists newest first, with the summary of each generation', async () => {
      const page = await list()
      expect(ids(page.items)).toEqual(made.map(({ body }) => body.id).reverse())
      expect(page.next_cursor).toBeNull()
      expect(page.items.map((item) => item.programming_language)).toEqual([
        'python',
        'javascript',
        'python',
        'javascript',
        'python',
      ])
      const newest = page.items[0] as unknown as Record<string, unknown>
      const last = made[4]?.body as Record<string, unknown>
      expect(newest).toEqual({
        id: last.id,
        status: 'completed',
        programming_language: 'python',
        prompt: 'slugify a title without documentation',
        provider: 'openai-compatible',
        model: 'scripted-model',
        usage: last.usage,
        duration_ms: expect.any(Number),
        error: null,
        created_at: last.created_at,
        updated_at: expect.any(String),
      })
      expect(page.items[2]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/^code: /),
      })
    })

    it('pages through everything with limit and next_cursor', async () => {
      const pages = await allPages('limit=2')
      expect(pages.map((page) => page.items.length)).toEqual([2, 2, 1])
      expect(pages.slice(0, -1).every((page) => typeof page.next_cursor === 'string')).toBe(true)
      expect(pages.at(-1)?.next_cursor).toBeNull()
      const seen = pages.flatMap((page) => ids(page.items))
      expect(new Set(seen).size).toBe(seen.length)
      expect(seen).toEqual(made.map(({ body }) => body.id).reverse())

      // A page that holds exactly the rest has no next page.
      const exact = await list('?limit=5')
      expect(exact.items).toHaveLength(5)
      expect(exact.next_cursor).toBeNull()
    })

    it('filters by language (aliases included) and by status, also across pages', async () => {
      const python = made.filter(({ body }) => body.programming_language === 'python')
      const javascript = made.filter(({ body }) => body.programming_language === 'javascript')
      const pyIds = python.map(({ body }) => body.id).reverse()
      const jsIds = javascript.map(({ body }) => body.id).reverse()

      expect(ids((await list('?programming_language=py')).items)).toEqual(pyIds)
      expect(ids((await list('?programming_language=python')).items)).toEqual(pyIds)
      expect(ids((await list('?programming_language=JS')).items)).toEqual(jsIds)
      const pyPages = await allPages('programming_language=py&limit=2')
      expect(pyPages.map((page) => page.items.length)).toEqual([2, 1])
      expect(pyPages.flatMap((page) => ids(page.items))).toEqual(pyIds)

      const failed = await list('?status=failed')
      expect(ids(failed.items)).toEqual([made[2]?.body.id])
      expect(failed.items[0]).toMatchObject({ status: 'failed', programming_language: 'python' })
      const completed = await list('?status=completed&programming_language=javascript')
      expect(ids(completed.items)).toEqual(jsIds)
      const none = await list('?status=failed&programming_language=javascript')
      expect(none).toEqual({ items: [], next_cursor: null })
      expect(await list('?programming_language=cobol')).toEqual({ items: [], next_cursor: null })
    })

    it('searches the prompts with q, together with the other filters and across pages', async () => {
      const slugify = made.filter(({ request }) => String(request.prompt).includes('slugify'))
      expect(slugify.length).toBeGreaterThan(0)
      const slugifyIds = slugify.map(({ body }) => body.id).reverse()
      expect(ids((await list('?q=SLUGIFY')).items)).toEqual(slugifyIds)
      expect(ids((await list('?q=slugify&programming_language=python')).items)).toEqual(
        slugify
          .filter(({ body }) => body.programming_language === 'python')
          .map(({ body }) => body.id)
          .reverse(),
      )
      const everything = await allPages('q=A&limit=2')
      expect(everything.flatMap((page) => ids(page.items))).toEqual(
        made
          .filter(({ request }) => String(request.prompt).toLowerCase().includes('a'))
          .map(({ body }) => body.id)
          .reverse(),
      )
      expect(await list('?q=%25')).toEqual({ items: [], next_cursor: null })
      expect(await list('?q=no%20such%20prompt')).toEqual({ items: [], next_cursor: null })
      for (const query of ['q=', 'q=%20', `q=${'x'.repeat(201)}`, 'q=a%00b']) {
        const response = await fetch(`${url}/api/generations?${query}`)
        expect(response.status, query).toBe(400)
      }
    })

    it('refuses an invalid cursor, limit or filter with 400', async () => {
      const forged = Buffer.from(JSON.stringify({ not: 'a cursor' })).toString('base64url')
      for (const cursor of ['not-a-cursor', forged]) {
        const response = await fetch(`${url}/api/generations?cursor=${cursor}`)
        expect(response.status).toBe(400)
        const body = await readJson(response)
        expect(body).toMatchObject({ code: 'APP_ERR_VALIDATION', status_code: 400 })
        expect(body.errors[0]).toMatchObject({ field: 'query.cursor' })
      }
      for (const query of ['limit=0', 'limit=101', 'limit=two', 'status=done', 'sort=asc']) {
        const response = await fetch(`${url}/api/generations?${query}`)
        expect(response.status, query).toBe(400)
        expect(await readJson(response)).toMatchObject({ code: 'APP_ERR_VALIDATION' })
      }
      const limit = await readJson(await fetch(`${url}/api/generations?limit=101`))
      expect(limit.errors[0]).toMatchObject({ field: 'query.limit' })
      expect((await list('?limit=100')).items).toHaveLength(5)
    })

    it('returns one generation with its request, result, usage and prompt', async () => {
      for (const { request, body } of made) {
        const response = await fetch(`${url}/api/generations/${body.id as string}`)
        expect(response.status).toBe(200)
        const stored = await readJson(response)
        expect(stored.result).toEqual(body)
        expect(stored).toMatchObject({
          id: body.id,
          status: body.status,
          programming_language: body.programming_language,
          prompt: request.prompt,
          provider: 'openai-compatible',
          model: 'scripted-model',
          usage: body.usage,
          created_at: body.created_at,
        })
        // The request as received, with the defaults filled in; the alias stays as sent.
        expect(stored.request).toEqual({
          include_tests: true,
          include_docs: true,
          options: {},
          ...request,
        })
      }
      const first = await readJson(await fetch(`${url}/api/generations/${made[0]?.body.id}`))
      expect(first.usage).toEqual({
        prompt_tokens: 30,
        completion_tokens: 60,
        total_tokens: 90,
        llm_calls: 3,
      })
      expect(first.error).toBeNull()
    })

    it('answers an unknown id with 404 in the error shape', async () => {
      const id = randomUUID()
      const response = await fetch(`${url}/api/generations/${id}`)
      expect(response.status).toBe(404)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await readJson(response)).toEqual({
        error: 'Resource not found',
        detail: expect.stringContaining(id),
        status_code: 404,
        timestamp: expect.any(String),
        request_id: expect.any(String),
        code: 'APP_ERR_NOT_FOUND',
      })
      const tooLong = await fetch(`${url}/api/generations/${'x'.repeat(101)}`)
      expect(tooLong.status).toBe(400)
    })

    it('deletes a generation: 204, then 404 for GET and for DELETE', async () => {
      const created = await readJson(
        await generate({
          prompt: 'a generation to delete',
          programming_language: 'python',
          include_tests: false,
          include_docs: false,
        }),
      )
      const path = `${url}/api/generations/${created.id}`
      expect((await fetch(path)).status).toBe(200)

      const deleted = await fetch(path, { method: 'DELETE' })
      expect(deleted.status).toBe(204)
      expect(await deleted.text()).toBe('')

      const gone = await fetch(path)
      expect(gone.status).toBe(404)
      expect(await readJson(gone)).toMatchObject({ code: 'APP_ERR_NOT_FOUND' })
      const again = await fetch(path, { method: 'DELETE' })
      expect(again.status).toBe(404)
      expect(await readJson(again)).toMatchObject({
        code: 'APP_ERR_NOT_FOUND',
        status_code: 404,
        detail: expect.stringContaining(created.id),
      })
      expect(ids((await list('?limit=100')).items)).not.toContain(created.id)
    })

    it('no longer serves a deleted generation from the cache', async () => {
      const request = {
        prompt: 'a cached generation that is then deleted',
        programming_language: 'python',
        include_tests: false,
        include_docs: false,
      }
      const first = await readJson(await generate(request))
      const hit = await readJson(await generate(request))
      expect(hit).toMatchObject({ id: first.id, cached: true })

      expect((await fetch(`${url}/api/generations/${first.id}`, { method: 'DELETE' })).status).toBe(
        204,
      )
      const calls = upstream.requests(CHAT).length
      const again = await generate(request)
      expect(again.status).toBe(200)
      const fresh = await readJson(again)
      expect(fresh.cached).toBe(false)
      expect(fresh.id).not.toBe(first.id)
      expect(upstream.requests(CHAT).length).toBe(calls + 1)
      expect((await fetch(`${url}/api/generations/${fresh.id}`)).status).toBe(200)
      // The fresh one is cached in turn, under its own id.
      expect(await readJson(await generate(request))).toMatchObject({ id: fresh.id, cached: true })
    })

    it('lets no identical request join, or the cache keep, a generation deleted while it runs', async () => {
      const request = {
        prompt: 'a running generation that is deleted',
        programming_language: 'python',
        include_tests: false,
        include_docs: false,
      }
      let release: () => void = () => {}
      const released = new Promise<void>((resolve) => (release = resolve))
      upstream.once(CHAT, async (received, response) => {
        await released
        await chatReply(scriptedModel(received))(received, response)
      })
      const first = generate(request)
      await waitFor(async () => (await list('?status=running')).items.length > 0, 5000)
      const [running] = (await list('?status=running')).items
      expect(running?.prompt).toBe(request.prompt)
      const deleted = await fetch(`${url}/api/generations/${running?.id}`, { method: 'DELETE' })
      expect(deleted.status).toBe(204)

      // Identical, and cacheable: it would have joined the deleted run.
      const second = await generate(request)
      expect(second.status).toBe(200)
      const secondBody = await readJson(second)
      expect(secondBody.id).not.toBe(running?.id)
      release()
      expect((await readJson(await first)).id).toBe(running?.id)
      // The deleted run finished after the second: the cache still answers with the second.
      expect(await readJson(await generate(request))).toMatchObject({
        id: secondBody.id,
        cached: true,
      })
    })

    it('answers 404 for an id with a NUL byte and 400 for a query parameter with one', async () => {
      for (const id of ['%00', `${randomUUID()}%00`, 'abc%00def', '%01x']) {
        for (const [method, path] of [
          ['GET', `/api/generations/${id}`],
          ['DELETE', `/api/generations/${id}`],
          ['POST', `/api/generations/${id}/cancel`],
        ] as const) {
          const response = await fetch(`${url}${path}`, { method })
          expect(response.status, `${method} ${path}`).toBe(404)
          expect(await readJson(response)).toMatchObject({ code: 'APP_ERR_NOT_FOUND' })
        }
      }
      for (const query of [
        'programming_language=py%00',
        'programming_language=%00',
        'cursor=%00',
        `cursor=${Buffer.from(JSON.stringify(['2024\u0000', 'x'])).toString('base64url')}`,
        `cursor=${Buffer.from(JSON.stringify(['2024-01-01T00:00:00.000Z', 'a\u0000b'])).toString('base64url')}`,
        'status=running%00',
      ]) {
        const response = await fetch(`${url}/api/generations?${query}`)
        expect(response.status, query).toBe(400)
        expect(await readJson(response)).toMatchObject({ code: 'APP_ERR_VALIDATION' })
      }
    })

    it('lists interrupted generations by status', async () => {
      expect(await list('?status=interrupted')).toEqual({ items: [], next_cursor: null })
    })

    it('keeps a failed entry without a result when the provider fails', async () => {
      upstream.received.length = 0
      upstream.once(CHAT, errorReply(500))
      const prompt = 'a generation the provider fails'
      const response = await generate({ prompt, programming_language: 'python' })
      expect(response.status).toBe(503)
      expect(await readJson(response)).toMatchObject({ code: 'APP_ERR_PROVIDER_UNAVAILABLE' })
      // LLM_MAX_RETRIES=0: one call, no retry.
      expect(upstream.requests(CHAT)).toHaveLength(1)

      const [entry] = (await list('?status=failed&limit=1')).items
      expect(entry).toMatchObject({
        status: 'failed',
        prompt,
        programming_language: 'python',
        error: expect.stringMatching(/^APP_ERR_PROVIDER_UNAVAILABLE/),
      })
      const stored = await readJson(await fetch(`${url}/api/generations/${entry?.id}`))
      expect(stored).toMatchObject({
        id: entry?.id,
        status: 'failed',
        result: null,
        prompt,
        error: expect.stringMatching(/^APP_ERR_PROVIDER_UNAVAILABLE/),
        usage: { llm_calls: 0 },
        duration_ms: expect.any(Number),
      })
      expect(stored.request).toMatchObject({ prompt, programming_language: 'python' })
      // The newest entry of all.
      expect((await list('?limit=1')).items[0]?.id).toBe(entry?.id)
    })
  })
}

historySuite(sqlite)
historySuite(postgresBackend)

const redisAvailable = await serviceAvailable('Redis', '127.0.0.1', 6379)

describe.skipIf(!redisAvailable)('deleting with the Redis cache', () => {
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    upstream.on(CHAT, (request, response) => chatReply(scriptedModel(request))(request, response))
    app = await createTestApp(
      llmEnv(upstream, {
        REDIS_URL,
        REDIS_KEY_PREFIX: `verigen-test:${randomUUID()}:`,
        RATE_LIMIT_REQUESTS: '0',
      }),
    )
    url = (await listenTestApp(app)).url
  })
  afterAll(async () => {
    await app?.close()
    await upstream?.close()
  })

  it('removes the generation from the shared cache', async () => {
    const generate = async () =>
      readJson(
        await fetch(`${url}/api/generate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            prompt: 'a generation cached in Redis, then deleted',
            programming_language: 'python',
            include_tests: false,
            include_docs: false,
          }),
        }),
      )
    const first = await generate()
    expect(await generate()).toMatchObject({ id: first.id, cached: true })
    expect(app.services.cache.backend).toBe('redis')
    expect((await fetch(`${url}/api/generations/${first.id}`, { method: 'DELETE' })).status).toBe(
      204,
    )
    const fresh = await generate()
    expect(fresh).toMatchObject({ cached: false, status: 'completed' })
    expect(fresh.id).not.toBe(first.id)
    expect((await fetch(`${url}/api/generations/${fresh.id}`)).status).toBe(200)
  })
})
