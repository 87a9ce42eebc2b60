import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { waitFor } from '../helpers/generation.js'
import { readSse, type SseEvent } from '../helpers/sse.js'
import { tinyGgufFile } from '../helpers/tiny-gguf.js'

/**
 * The whole service on the local provider: a real GGUF model (tiny, random weights) run by
 * node-llama-cpp in the server's process, behind the same routes as a remote provider. What the
 * model says is noise; the path (load, stream, grammar, cancel, slots, health, metrics) is real.
 */
describe('generation with LLM_PROVIDER=local', () => {
  let app: FastifyInstance
  let url: string

  beforeAll(async () => {
    app = await createTestApp({
      LLM_PROVIDER: 'local',
      LOCAL_MODEL: await tinyGgufFile(),
      LLM_MAX_OUTPUT_TOKENS: '96',
      LOCAL_IDLE_UNLOAD_S: '0',
      // One thread: the machine's cores are shared with the rest of the suite, and llama.cpp's
      // threads spin while they wait for each other.
      LOCAL_THREADS: '1',
      // The tiny vocabulary spells most text byte by byte, so prompts take many tokens.
      LOCAL_CONTEXT_SIZE: '8192',
    })
    url = (await listenTestApp(app)).url
  }, 60_000)
  afterAll(async () => {
    await app?.close()
  })

  const stream = (body: object) =>
    fetch(`${url}/api/generate/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        programming_language: 'python',
        include_tests: false,
        include_docs: false,
        options: { cache: false, max_repair_attempts: 0 },
        ...body,
      }),
    })

  const health = async () => (await readJson(await fetch(`${url}/api/health`))).services.llm

  it('reports the model in health without loading it', async () => {
    expect(await health()).toMatchObject({
      status: 'ok',
      provider: 'local',
      model: 'tiny',
      model_file: 'tiny.gguf',
      model_bytes: expect.any(Number),
      sequences: 2,
      busy_slots: 0,
      waiting_calls: 0,
      load_state: 'unloaded',
    })
  })

  it('streams a generation token by token, as one fenced block, with usage counted', async () => {
    const response = await stream({ prompt: 'double a number' })
    expect(response.status).toBe(200)
    const events: SseEvent[] = []
    for await (const item of readSse(response)) if ('event' in item) events.push(item.event)
    expect(events[0]).toMatchObject({ event: 'started', data: { model: 'tiny' } })
    const order = events.map((event) => event.event)
    const firstDone = order.indexOf('code.done')
    const deltas = events.slice(0, firstDone).filter((event) => event.event === 'code.delta')
    // Token by token: many small pieces, not one block at the end.
    expect(deltas.length).toBeGreaterThan(10)
    // The grammar holds the first answer to one fenced block, whatever the weights say.
    const answer = deltas.map((event) => event.data.text as string).join('')
    expect(answer).toMatch(/^```(python|py|python3)?( (solution|test_solution)\.py)?\n/)
    expect(answer.slice(3)).not.toMatch(/^[\s\S]*?\n```[\s\S]+/)
    const last = events.at(-1)!
    expect(['completed', 'error']).toContain(last.event)
    const id = events[0]!.data.id as string
    const stored = await readJson(await fetch(`${url}/api/generations/${id}`))
    expect(stored.usage.prompt_tokens).toBeGreaterThan(0)
    expect(stored.usage.completion_tokens).toBeGreaterThan(0)
    expect(stored.usage.llm_calls).toBeGreaterThanOrEqual(1)

    expect(await health()).toMatchObject({
      load_state: 'loaded',
      context_length: expect.any(Number),
      threads: expect.any(Number),
    })
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toMatch(/^verigen_local_model_loaded 1$/m)
    expect(metrics).toMatch(/^verigen_local_model_load_seconds_count 1$/m)
    expect(metrics).toMatch(
      /^verigen_llm_tokens_total\{provider="local",kind="completion"\} [1-9]/m,
    )
    expect(metrics).toMatch(/^verigen_local_model_first_token_seconds_count [1-9]/m)
  })

  it('stops inference at once on cancel and frees the slot', async () => {
    const response = await stream({ prompt: 'sort a list of words by length' })
    const events: SseEvent[] = []
    let cancel: Promise<Response> | null = null
    for await (const item of readSse(response)) {
      if (!('event' in item)) continue
      events.push(item.event)
      if (item.event.event === 'code.delta' && !cancel) {
        cancel = fetch(`${url}/api/generations/${events[0]!.data.id as string}/cancel`, {
          method: 'POST',
        })
      }
    }
    const answer = await cancel!
    expect(answer.status).toBe(200)
    expect(await readJson(answer)).toMatchObject({ status: 'cancelled' })
    expect(events.at(-1)).toMatchObject({
      event: 'error',
      data: { code: 'APP_ERR_GENERATION_CANCELLED' },
    })
    const generation = async () =>
      (await readJson(await fetch(`${url}/api/health`))).services.generation
    await waitFor(async () => (await generation()).running === 0, 2000)
    // The freed sequence serves the next generation.
    const next = await stream({ prompt: 'add two numbers' })
    const nextEvents: string[] = []
    for await (const item of readSse(next)) if ('event' in item) nextEvents.push(item.event.event)
    expect(nextEvents).toContain('code.delta')
  })

  it('runs two generations at once, one context sequence each', async () => {
    const [first, second] = await Promise.all([
      stream({ prompt: 'reverse a string' }),
      stream({ prompt: 'count vowels' }),
    ])
    const firstDelta: number[] = []
    const ends: number[] = []
    await Promise.all(
      [first, second].map(async (response) => {
        let seen = false
        for await (const item of readSse(response)) {
          if (!('event' in item)) continue
          if (item.event.event === 'code.delta' && !seen) {
            seen = true
            firstDelta.push(performance.now())
          }
        }
        ends.push(performance.now())
      }),
    )
    expect(firstDelta).toHaveLength(2)
    // Both were decoding before either ended: two slots, not one after the other.
    expect(Math.max(...firstDelta)).toBeLessThan(Math.min(...ends))
  })
})

describe('LOCAL_PRELOAD=true', () => {
  it('loads the model at start, before any generation, and unloads it when idle', async () => {
    const app = await createTestApp({
      LLM_PROVIDER: 'local',
      LOCAL_MODEL: await tinyGgufFile(),
      LOCAL_PRELOAD: 'true',
      LOCAL_THREADS: '1',
      LOCAL_IDLE_UNLOAD_S: '2',
    })
    try {
      const state = async () =>
        (await app.inject({ url: '/api/health' })).json().services.llm.load_state as string
      await waitFor(async () => (await state()) === 'loaded', 20_000)
      expect(await state()).toBe('loaded')
      await waitFor(async () => (await state()) === 'unloaded', 10_000)
      expect(await state()).toBe('unloaded')
      const metrics = (await app.inject({ url: '/metrics' })).body
      expect(metrics).toMatch(/^verigen_local_model_unloads_total\{reason="idle"\} 1$/m)
      expect(metrics).toMatch(/^verigen_local_model_loaded 0$/m)
    } finally {
      await app.close()
    }
  }, 40_000)
})
