import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SqliteGenerationStore } from '../../src/adapters/store/sqlite.js'
import { sampleRecord } from '../contracts/generation-store.contract.js'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { GOOD_CODE, llmEnv, waitFor } from '../helpers/generation.js'
import { CHAT, fenced, ScriptedLlmServer, streamReply } from '../helpers/scripted-llm.js'
import { REDIS_URL, serviceAvailable } from '../helpers/services.js'
import { readSse, type SseEvent } from '../helpers/sse.js'
import { Client } from '../helpers/ws-client.js'

const available = await serviceAvailable('Redis', '127.0.0.1', 6379)

const pieces = (text: string, size: number) =>
  text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? []

/**
 * Two API processes of one deployment: the same history (one SQLite file) and the same Redis.
 * A generation runs in the first; the second is asked to watch it and to cancel it.
 */
describe.skipIf(!available)('two API processes sharing a history and Redis', () => {
  let upstream: ScriptedLlmServer
  let directory: string
  let first: FastifyInstance
  let second: FastifyInstance
  let firstUrl: string
  let secondUrl: string
  const clients: Client[] = []

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    directory = mkdtempSync(join(tmpdir(), 'verigen-processes-'))
    const shared = {
      DATABASE_URL: `sqlite://${join(directory, 'verigen.db')}`,
      REDIS_URL,
      REDIS_KEY_PREFIX: `verigen-test:${randomUUID()}:`,
    }
    first = await createTestApp(llmEnv(upstream, shared))
    second = await createTestApp(llmEnv(upstream, shared))
    firstUrl = (await listenTestApp(first)).url
    secondUrl = (await listenTestApp(second)).url
  })
  afterAll(async () => {
    for (const client of clients) client.close()
    await Promise.all([first.close(), second.close()])
    await upstream.close()
    rmSync(directory, { recursive: true, force: true })
  })
  afterEach(() => {
    upstream.received.length = 0
  })

  /** Starts a streamed generation in the first process; resolves with its id and its events. */
  async function startInFirst(onClientClose?: () => void) {
    upstream.once(
      CHAT,
      streamReply(pieces(fenced('python', GOOD_CODE), 6), { delayMs: 40, onClientClose }),
    )
    const response = await fetch(`${firstUrl}/api/generate/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: `parse an ISO-8601 duration into seconds (${randomUUID()})`,
        programming_language: 'python',
        include_tests: false,
        include_docs: false,
        options: { cache: false },
      }),
    })
    const events: SseEvent[] = []
    const done = (async () => {
      for await (const item of readSse(response)) if ('event' in item) events.push(item.event)
    })()
    await waitFor(() => events.filter((event) => event.event === 'code.delta').length >= 2, 3000)
    return { id: events[0]!.data.id as string, events, done }
  }

  it('lets a subscriber on the second process watch a generation running in the first', async () => {
    const running = await startInFirst()
    const watcher = await Client.open(secondUrl)
    const later = await Client.open(secondUrl)
    clients.push(watcher, later)
    watcher.send({ type: 'subscribe', id: running.id })
    // A second watcher joins while events are already relayed to the first.
    await watcher.until(
      () => watcher.messages.filter((m) => m.type === 'code.delta').length >= 2,
      'two deltas',
    )
    later.send({ type: 'subscribe', id: running.id })
    await watcher.message((m) => m.type === 'completed', 'the completed event')
    await later.message((m) => m.type === 'completed', 'the completed event')
    await running.done

    const streamedText = running.events
      .filter((event) => event.event === 'code.delta')
      .map((event) => event.data.text as string)
      .join('')
    for (const client of [watcher, later]) {
      const seen = client.messages.filter((message) => message.id === running.id)
      expect(seen[0]).toMatchObject({ type: 'started', data: { id: running.id } })
      // Deltas joined so far, then the rest as they came: together, the whole reply once.
      const watchedText = seen
        .filter((message) => message.type === 'code.delta')
        .map((message) => message.data.text as string)
        .join('')
      expect(watchedText).toBe(streamedText)
      expect(seen.map((message) => message.type).slice(-3)).toEqual([
        'code.done',
        'metrics',
        'completed',
      ])
      expect(seen.filter((message) => message.type === 'completed')).toHaveLength(1)
      expect(seen.at(-1)?.data).toEqual(running.events.at(-1)?.data)
    }
    expect(watcher.messages.filter((m) => m.type === 'code.delta').length).toBeGreaterThan(2)
  })

  it('cancels from the second process a generation running in the first', async () => {
    let upstreamClosed = false
    const running = await startInFirst(() => (upstreamClosed = true))
    const answer = await fetch(`${secondUrl}/api/generations/${running.id}/cancel`, {
      method: 'POST',
    })
    expect(answer.status).toBe(200)
    expect(await readJson(answer)).toMatchObject({ id: running.id, status: 'cancelled' })
    await running.done
    expect(running.events.at(-1)).toMatchObject({
      event: 'error',
      data: { code: 'APP_ERR_GENERATION_CANCELLED' },
    })
    await waitFor(() => upstreamClosed, 1000)
    expect(upstreamClosed).toBe(true)
  })

  it('answers interrupted for a generation whose process is gone, not "another process"', async () => {
    // What a process that died mid-generation leaves behind: its instance never beats again.
    const store = await SqliteGenerationStore.open(`sqlite://${join(directory, 'verigen.db')}`)
    const orphan = sampleRecord({ status: 'running', instanceId: randomUUID() })
    await store.insert(orphan)
    await store.close()

    const watcher = await Client.open(secondUrl)
    clients.push(watcher)
    watcher.send({ type: 'subscribe', id: orphan.id })
    const error = await watcher.message((m) => m.type === 'error', 'an error')
    expect(error).toMatchObject({
      id: orphan.id,
      data: { code: 'APP_ERR_GENERATION_INTERRUPTED', status_code: 503 },
    })
    expect(error.data.detail).toMatch(/stopped before it finished/)
    const cancel = await fetch(`${secondUrl}/api/generations/${orphan.id}/cancel`, {
      method: 'POST',
    })
    expect(cancel.status).toBe(409)
    expect((await readJson(cancel)).detail).toMatch(/already finished \(interrupted/)
    const stored = await readJson(await fetch(`${firstUrl}/api/generations/${orphan.id}`))
    expect(stored).toMatchObject({
      status: 'interrupted',
      error: expect.stringMatching(/^APP_ERR_GENERATION_INTERRUPTED: /),
    })
  })
})
