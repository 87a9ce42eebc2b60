import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import {
  BROKEN_CODE,
  DOCS,
  GOOD_CODE,
  llmEnv,
  stageOf,
  TESTS,
  waitFor,
  type Stage,
} from '../helpers/generation.js'
import { collectSse, readSse } from '../helpers/sse.js'
import {
  CHAT,
  chatBody,
  chatReply,
  errorReply,
  fenced,
  streamReply,
  suiteUpstream,
  type ScriptedHandler,
} from '../helpers/scripted-llm.js'

/**
 * A generation's token and call counts are counted once: the result reports them and the
 * history keeps them, so the two must be equal whatever the outcome.
 */
describe('usage of a generation', () => {
  const upstream = suiteUpstream()
  let app: FastifyInstance
  let url: string
  /** Per stage, the handlers of its next calls (the last one stays). */
  let script: Record<Stage, ScriptedHandler[]>

  beforeAll(async () => {
    app = await createTestApp(llmEnv(upstream, { LLM_MAX_RETRIES: '0' }))
    url = (await listenTestApp(app)).url
    upstream.on(CHAT, (request, response) => {
      const handlers = script[stageOf(chatBody(request))]
      const handler = handlers.length > 1 ? handlers.shift() : handlers[0]
      return (handler as ScriptedHandler)(request, response)
    })
  })
  afterAll(() => app.close())
  beforeEach(() => {
    script = {
      code: [chatReply(fenced('python', GOOD_CODE), { promptTokens: 11, completionTokens: 7 })],
      tests: [chatReply(fenced('python', TESTS), { promptTokens: 13, completionTokens: 5 })],
      docs: [chatReply(DOCS, { promptTokens: 17, completionTokens: 3 })],
    }
  })

  const body = (prompt: string, extra: object = {}) => ({
    prompt: `parse an ISO-8601 duration (${prompt})`,
    programming_language: 'python',
    options: { cache: false },
    ...extra,
  })
  const post = (path: string, payload: object) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    })
  const historyOf = async (id: string) => readJson(await fetch(`${url}/api/generations/${id}`))

  it('is the same in the result and the history for a completed generation', async () => {
    const result = await readJson(await post('/api/generate', body('completed')))
    expect(result.status).toBe('completed')
    expect(result.usage).toEqual({
      prompt_tokens: 11 + 13 + 17,
      completion_tokens: 7 + 5 + 3,
      total_tokens: 11 + 13 + 17 + 7 + 5 + 3,
      llm_calls: 3,
    })
    const history = await historyOf(result.id)
    expect(history.usage).toEqual(result.usage)
    expect(history.result.usage).toEqual(result.usage)
  })

  it('is the same after repairs, and when the code never parses', async () => {
    script.code = [chatReply(fenced('python', BROKEN_CODE)), script.code[0] as ScriptedHandler]
    const repaired = await readJson(await post('/api/generate', body('repaired')))
    expect(repaired).toMatchObject({ status: 'completed', validation: { repair_attempts: 1 } })
    expect(repaired.usage.llm_calls).toBe(4)
    expect((await historyOf(repaired.id)).usage).toEqual(repaired.usage)

    script.code = [chatReply(fenced('python', BROKEN_CODE))]
    const failed = await readJson(
      await post(
        '/api/generate',
        body('failed', { options: { cache: false, max_repair_attempts: 1 } }),
      ),
    )
    expect(failed.status).toBe('failed')
    expect(failed.usage.llm_calls).toBe(2)
    expect((await historyOf(failed.id)).usage).toEqual(failed.usage)
  })

  it('counts the tokens of a reply cut short in the result and the history alike', async () => {
    // The docs stream breaks after 3 pieces: the generation is partial, and those 3 tokens count.
    script.docs = [streamReply(['# Title', '\n\n', 'Some', ' more', ' text'], { failAfter: 3 })]
    const response = await post('/api/generate/stream', body('partial'))
    const { events } = await collectSse(response)
    const completed = events.at(-1)
    expect(completed?.event).toBe('completed')
    const result = completed?.data as { id: string; status: string; usage: object }
    expect(result.status).toBe('partial')
    expect(result.usage).toMatchObject({ completion_tokens: 7 + 5 + 3, llm_calls: 3 })
    expect((await historyOf(result.id)).usage).toEqual(result.usage)
  })

  it('keeps the count of a generation that failed or was cancelled', async () => {
    script.code = [errorReply(400, { error: { message: 'this prompt is refused' } })]
    const rejected = await post('/api/generate', body('rejected'))
    expect(rejected.status).toBe(502)
    const [failed] = (await readJson(await fetch(`${url}/api/generations?status=failed&limit=1`)))
      .items
    expect(failed.usage).toEqual({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      llm_calls: 0,
    })

    const pieces = Array.from({ length: 40 }, (_, index) => `piece${index} `)
    script.code = [streamReply(pieces, { delayMs: 20 })]
    const stream = await post('/api/generate/stream', body('cancelled'))
    let id = ''
    let deltas = 0
    for await (const item of readSse(stream)) {
      if (!('event' in item)) continue
      const { event, data } = item.event
      if (event === 'started') id = (data as { id: string }).id
      if (event === 'code.delta' && ++deltas === 5) {
        expect((await post(`/api/generations/${id}/cancel`, {})).status).toBe(200)
      }
      if (event === 'error') break
    }
    await waitFor(async () => (await historyOf(id)).status === 'cancelled', 5000)
    const cancelled = await historyOf(id)
    expect(cancelled.status).toBe('cancelled')
    // The pieces that arrived before the cancel, counted one token each, in one call.
    expect(cancelled.usage.llm_calls).toBe(1)
    expect(cancelled.usage.completion_tokens).toBeGreaterThanOrEqual(5)
    expect(cancelled.usage.completion_tokens).toBeLessThan(pieces.length)
  })
})
