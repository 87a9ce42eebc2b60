import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readJson } from '../helpers/app.js'
import { CODE_REPLY, DOCS, stageOf, TESTS_REPLY, waitFor } from '../helpers/generation.js'
import { sleep, startServerProcess, type ServerProcess } from '../helpers/process.js'
import { CHAT, chatBody, chatReply, ScriptedLlmServer } from '../helpers/scripted-llm.js'
import { POSTGRES_URL, serviceAvailable } from '../helpers/services.js'
import { readSse } from '../helpers/sse.js'
import { Client } from '../helpers/ws-client.js'

/**
 * kill -9 in the middle of generations, then a restart on the same database: every record
 * reaches a terminal status (`interrupted`), idempotent retries run again at once, and cancel
 * and subscribe answer the terminal state. The upstream holds its replies open while `holding`.
 */
const upstream = new ScriptedLlmServer()
let holding = true
/** Replies held open, ended when a test is over so that no socket lingers. */
const held: Array<() => void> = []

const postgresAvailable = await serviceAvailable('PostgreSQL', '127.0.0.1', 5432)
const directory = mkdtempSync(join(tmpdir(), 'verigen-crash-'))
const servers: ServerProcess[] = []
let admin: postgres.Sql | null = null
const databases: string[] = []

beforeAll(async () => {
  await upstream.start()
  upstream.on(CHAT, (request, response) => {
    if (holding) {
      return new Promise<void>((resolve) => {
        held.push(() => {
          response.destroy()
          resolve()
        })
      })
    }
    const stage = stageOf(chatBody(request))
    const text = stage === 'docs' ? DOCS : stage === 'tests' ? TESTS_REPLY : CODE_REPLY
    return chatReply(text)(request, response)
  })
})
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.child.kill('SIGKILL')
    await server.exit
  }
  for (const release of held.splice(0)) release()
  holding = true
})
afterAll(async () => {
  await upstream.close()
  rmSync(directory, { recursive: true, force: true })
  if (admin) {
    for (const name of databases) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
})

async function sqliteUrl(): Promise<string> {
  return `sqlite://${join(directory, `${randomUUID()}.db`)}`
}

/** A PostgreSQL database of its own for one test, dropped at the end of the file. */
async function postgresUrl(): Promise<string> {
  admin ??= postgres(POSTGRES_URL, { max: 1, onnotice: () => {} })
  const name = `verigen_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  await admin.unsafe(`CREATE DATABASE ${name}`)
  databases.push(name)
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  return url.toString()
}

async function start(databaseUrl: string, extra: Record<string, string> = {}) {
  const server = await startServerProcess({
    DATABASE_URL: databaseUrl,
    LLM_PROVIDER: 'openai-compatible',
    LLM_BASE_URL: `${upstream.url}/v1`,
    LLM_MODEL: 'scripted-model',
    LLM_MAX_RETRIES: '0',
    LLM_TIMEOUT_MS: '60000',
    RATE_LIMIT_REQUESTS: '0',
    ...extra,
  })
  servers.push(server)
  return server
}

async function kill(server: ServerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  server.child.kill(signal)
  if (signal === 'SIGKILL') await server.exit
}

function request(prompt: string, extra: Record<string, unknown> = {}) {
  return { prompt, programming_language: 'python', include_docs: false, ...extra }
}

function post(url: string, path: string, body: object, key?: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  })
}

/** Starts a streaming generation and answers its id (from the `started` event). */
async function startStream(url: string, body: object): Promise<string> {
  const response = await post(url, '/api/generate/stream', body)
  expect(response.status).toBe(200)
  for await (const item of readSse(response)) {
    if ('event' in item && item.event.event === 'started') {
      // Leave the stream open: the server dies with it.
      return item.event.data.id as string
    }
  }
  throw new Error('the stream ended before its started event')
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function list(url: string, query: string): Promise<any[]> {
  const response = await fetch(`${url}/api/generations?limit=100&${query}`)
  expect(response.status).toBe(200)
  return (await readJson(response)).items
}

/** Generations of every kind left running by a process killed mid-reply. */
async function crashMidGeneration(url: string) {
  const keyed = { key: `crash-${randomUUID()}`, body: request('parse a duration, keyed') }
  const keyedNoCache = {
    key: `crash-${randomUUID()}`,
    body: request('parse a duration, keyed, uncached', { options: { cache: false } }),
  }
  const calls = upstream.requests(CHAT).length
  const blocking = [
    post(url, '/api/generate', keyed.body, keyed.key),
    post(url, '/api/generate', keyedNoCache.body, keyedNoCache.key),
    post(url, '/api/generate', request('parse a duration, no key')),
  ].map((answer) =>
    answer.then(
      () => 'answered',
      () => 'connection lost',
    ),
  )
  const streamed = await startStream(url, request('parse a duration, streamed'))
  await waitFor(() => upstream.requests(CHAT).length >= calls + 4, 10_000)
  expect(upstream.requests(CHAT).length).toBe(calls + 4)
  expect(await list(url, 'status=running')).toHaveLength(4)
  return { keyed, keyedNoCache, streamed, blocking }
}

function recoverySuite(name: string, available: boolean, databaseUrl: () => Promise<string>) {
  describe.skipIf(!available)(`crash recovery on ${name}`, () => {
    it('marks what a killed process left running interrupted, and every retry answers', async () => {
      const database = await databaseUrl()
      const first = await start(database)
      const crash = await crashMidGeneration(first.url)
      await kill(first)
      expect(await Promise.all(crash.blocking)).toEqual(Array(3).fill('connection lost'))
      for (const release of held.splice(0)) release()

      const second = await start(database)
      // Recovered at start-up, before the first request.
      expect(await list(second.url, 'status=running')).toEqual([])
      const interrupted = await list(second.url, 'status=interrupted')
      expect(interrupted).toHaveLength(4)
      for (const item of interrupted) {
        expect(item.error).toMatch(/^APP_ERR_GENERATION_INTERRUPTED: .*stopped before it finished/)
      }
      expect(interrupted.map((item) => item.id)).toContain(crash.streamed)
      expect(second.stdout()).toContain('generations of a stopped process marked interrupted')

      // Cancel and subscribe answer the terminal state at once, not "another process".
      for (const item of interrupted) {
        const cancel = await fetch(`${second.url}/api/generations/${item.id}/cancel`, {
          method: 'POST',
        })
        expect(cancel.status).toBe(409)
        expect(await readJson(cancel)).toMatchObject({
          code: 'APP_ERR_GENERATION_FINISHED',
          detail: expect.stringContaining('interrupted'),
        })
      }
      const watcher = await Client.open(second.url)
      try {
        watcher.send({ type: 'subscribe', id: crash.streamed })
        const error = await watcher.message((message) => message.type === 'error', 'an error')
        expect(error).toMatchObject({
          id: crash.streamed,
          data: { code: 'APP_ERR_GENERATION_INTERRUPTED', status_code: 503 },
        })
      } finally {
        watcher.close()
      }

      // Idempotent retries run again, promptly, and their keys then point to the new runs.
      holding = false
      for (const { key, body } of [crash.keyed, crash.keyedNoCache]) {
        const started = performance.now()
        const retry = await post(second.url, '/api/generate', body, key)
        expect(retry.status).toBe(200)
        // Not the 300 s the replay used to poll for a record no process would finish.
        expect(performance.now() - started).toBeLessThan(20_000)
        expect(retry.headers.get('idempotent-replayed')).toBeNull()
        const result = await readJson(retry)
        expect(result).toMatchObject({ status: 'completed', cached: false })
        expect(interrupted.map((item) => item.id)).not.toContain(result.id)
        const replay = await post(second.url, '/api/generate', body, key)
        expect(replay.status).toBe(200)
        expect(replay.headers.get('idempotent-replayed')).toBe('true')
        expect((await readJson(replay)).id).toBe(result.id)
      }
      // The interrupted records stay in the history as they were.
      expect(await list(second.url, 'status=interrupted')).toHaveLength(4)
    }, 60_000)
  })
}

recoverySuite('SQLite', true, sqliteUrl)
recoverySuite('PostgreSQL', postgresAvailable, postgresUrl)

describe.skipIf(!postgresAvailable)('two processes sharing PostgreSQL', () => {
  it('marks the records of a peer that stops beating interrupted, and only those', async () => {
    const database = await postgresUrl()
    // Beats far enough apart that a process starved of CPU by a busy machine (three processes
    // starting under tsx) still beats in time; a frozen one is noticed after 1.5 s.
    const settings = { INSTANCE_HEARTBEAT_MS: '500' }
    const [first, second] = await Promise.all([
      start(database, settings),
      start(database, settings),
    ])
    const calls = upstream.requests(CHAT).length
    const keyed = { key: `peer-${randomUUID()}`, body: request('held in the first process, keyed') }
    void post(first.url, '/api/generate', request('held in the first process')).catch(() => {})
    void post(first.url, '/api/generate', keyed.body, keyed.key).catch(() => {})
    void post(second.url, '/api/generate', request('held in the second process')).catch(() => {})
    await waitFor(() => upstream.requests(CHAT).length >= calls + 3, 10_000)
    const running = await list(second.url, 'status=running')
    expect(running).toHaveLength(3)
    const idOf = (prompt: string) => running.find((item) => item.prompt === prompt).id as string
    const ofFirst = [idOf('held in the first process'), idOf('held in the first process, keyed')]
    const ofSecond = idOf('held in the second process')

    // A third process starting now must not take the live processes' generations.
    const third = await start(database, settings)
    expect(await list(third.url, 'status=running')).toHaveLength(3)

    // A retry reaching the second process waits for the first one's generation...
    holding = false
    const retry = post(second.url, '/api/generate', keyed.body, keyed.key)
    // ...which, frozen, stops beating (its pid still exists): after three missed beats a peer
    // marks its generations interrupted, and the retry runs the generation again.
    await kill(first, 'SIGSTOP')
    await waitFor(async () => (await list(second.url, 'status=interrupted')).length >= 2, 10_000)
    const interrupted = await list(second.url, 'status=interrupted')
    expect(interrupted.map((item) => item.id).sort()).toEqual([...ofFirst].sort())
    const answer = await retry
    expect(answer.status).toBe(200)
    const result = await readJson(answer)
    expect(result).toMatchObject({ status: 'completed', cached: false })
    expect(ofFirst).not.toContain(result.id)

    await sleep(1500)
    // The live process's generation is still its own.
    expect((await list(third.url, 'status=running')).map((item) => item.id)).toEqual([ofSecond])
    await kill(first)
  }, 60_000)
})
