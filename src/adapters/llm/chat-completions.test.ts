import type { ServerResponse } from 'node:http'
import { APICallError, type LanguageModelV3StreamPart } from '@ai-sdk/provider'
import { afterEach, describe, expect, it } from 'vitest'
import {
  CHAT,
  chatBody,
  chatReply,
  json,
  sleep,
  suiteUpstream,
} from '../../../test/helpers/scripted-llm.js'
import { ChatCompletionsModel } from './chat-completions.js'
import { HttpTransport } from './node-fetch.js'

const CALL = {
  prompt: [
    { role: 'system' as const, content: 'You write Python.' },
    { role: 'user' as const, content: [{ type: 'text' as const, text: 'Add two numbers.' }] },
  ],
  maxOutputTokens: 512,
  temperature: 0.2,
}

function chunk(body: object): string {
  return `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm-1', ...body })}`
}

function delta(content: string, finish: string | null = null): string {
  return chunk({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] })
}

/** Writes `pieces` of a raw event stream, each in its own TCP write. */
function rawStream(pieces: string[]) {
  return async (_request: unknown, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const piece of pieces) {
      response.write(piece)
      await sleep(2)
    }
    response.end()
  }
}

async function parts(stream: ReadableStream<LanguageModelV3StreamPart>) {
  const all: LanguageModelV3StreamPart[] = []
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return all
    all.push(value)
  }
}

const text = (all: LanguageModelV3StreamPart[]) =>
  all.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('')

describe('ChatCompletionsModel against a scripted upstream', () => {
  const upstream = suiteUpstream()
  const model = (apiKey: string | null = null) =>
    new ChatCompletionsModel({
      modelId: 'scripted-model',
      baseUrl: `${upstream.url}/v1/`,
      apiKey,
      transport: new HttpTransport(),
    })

  afterEach(() => {
    upstream.received.length = 0
    upstream.on(CHAT, chatReply('unused'))
  })

  it('posts the chat-completions body and reads text, finish reason, usage and model', async () => {
    upstream.on(CHAT, chatReply('def add(a, b):\n    return a + b\n', { model: 'served-model' }))
    const result = await model('sk-test-123456').doGenerate(CALL)
    expect(result.content).toEqual([{ type: 'text', text: 'def add(a, b):\n    return a + b\n' }])
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'stop' })
    expect(result.usage.inputTokens.total).toBe(10)
    expect(result.usage.outputTokens.total).toBe(20)
    expect(result.response?.modelId).toBe('served-model')
    const [request] = upstream.requests(CHAT)
    expect(request?.headers.authorization).toBe('Bearer sk-test-123456')
    expect(JSON.parse(request?.body ?? '')).toEqual({
      model: 'scripted-model',
      messages: [
        { role: 'system', content: 'You write Python.' },
        { role: 'user', content: 'Add two numbers.' },
      ],
      max_tokens: 512,
      temperature: 0.2,
    })
  })

  it('maps the finish reasons of the dialect', async () => {
    for (const [raw, unified] of [
      ['length', 'length'],
      ['content_filter', 'content-filter'],
      ['tool_calls', 'tool-calls'],
      ['eos', 'other'],
    ]) {
      upstream.on(CHAT, chatReply('x', { finishReason: raw }))
      expect((await model().doGenerate(CALL)).finishReason).toEqual({ unified, raw })
    }
  })

  it('raises APICallError with the status, headers and body of a refusal, never the prompt', async () => {
    upstream.on(CHAT, (_request, response) => {
      response.setHeader('retry-after', '3')
      json(response, 429, { error: { message: 'slow down' } })
    })
    const error = await model()
      .doGenerate(CALL)
      .catch((caught: unknown) => caught)
    expect(APICallError.isInstance(error)).toBe(true)
    const apiError = error as APICallError
    expect(apiError.statusCode).toBe(429)
    expect(apiError.responseHeaders?.['retry-after']).toBe('3')
    expect(apiError.responseBody).toContain('slow down')
    expect(JSON.stringify(apiError.requestBodyValues ?? null)).not.toContain('Add two numbers')
  })

  it('fails on an error object sent with a 200 status', async () => {
    upstream.on(CHAT, (_request, response) =>
      json(response, 200, { error: { message: 'model not loaded' } }),
    )
    await expect(model().doGenerate(CALL)).rejects.toThrow(/model not loaded/)
  })

  it('streams deltas and asks for usage in the stream', async () => {
    upstream.on(CHAT, chatReply('def add(a, b):\n    return a + b\n'))
    const { stream } = await model().doStream(CALL)
    const all = await parts(stream)
    expect(text(all)).toBe('def add(a, b):\n    return a + b\n')
    expect(all.at(-1)).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'stop' },
      usage: { inputTokens: { total: 10 }, outputTokens: { total: 20 } },
    })
    expect(all.find((part) => part.type === 'response-metadata')).toMatchObject({
      modelId: 'scripted-model',
    })
    const body = chatBody(upstream.requests(CHAT)[0]!)
    expect(body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
  })

  it('reads events split anywhere, CRLF line ends, comments and multi-byte characters', async () => {
    const stream = [
      ': keep-alive\r\n\r\n',
      `${delta('naïve ')}\r\n\r\n`,
      `${delta('π≈3.14 ')}\n\n`,
      `${delta('🙂', 'stop')}\n\n`,
      'data: [DONE]\n\n',
    ].join('')
    const bytes = Buffer.from(stream, 'utf8')
    // Cut every 7 bytes: through lines, through `data:` and through the characters' bytes.
    let writes = 0
    upstream.on(CHAT, async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      for (let at = 0; at < bytes.length; at += 7) {
        response.write(bytes.subarray(at, at + 7))
        writes++
        await sleep(1)
      }
      response.end()
    })
    const all = await parts((await model().doStream(CALL)).stream)
    expect(text(all)).toBe('naïve π≈3.14 🙂')
    expect(all.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } })
    expect(writes).toBeGreaterThan(10)
  })

  it('joins the data lines of one event', async () => {
    const event = delta('joined', 'stop').replace('"delta":', '\ndata: "delta":')
    upstream.on(CHAT, rawStream([`${event}\n\n`, 'data: [DONE]\n\n']))
    expect(text(await parts((await model().doStream(CALL)).stream))).toBe('joined')
  })

  it('ends a stream that closes without [DONE] with what it said', async () => {
    upstream.on(CHAT, rawStream([`${delta('cut ')}\n\n`, `${delta('short', 'length')}\n\n`]))
    const all = await parts((await model().doStream(CALL)).stream)
    expect(text(all)).toBe('cut short')
    expect(all.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'length' } })
  })

  it('fails the stream on an error event or on a chunk that is not JSON', async () => {
    upstream.on(
      CHAT,
      rawStream([`${delta('a')}\n\n`, 'data: {"error": {"message": "model crashed"}}\n\n']),
    )
    await expect(parts((await model().doStream(CALL)).stream)).rejects.toThrow(/model crashed/)
    upstream.on(CHAT, rawStream([`${delta('a')}\n\n`, 'data: {not json\n\n']))
    await expect(parts((await model().doStream(CALL)).stream)).rejects.toThrow(SyntaxError)
  })

  it('accepts a whole JSON reply from a server that ignores stream: true', async () => {
    upstream.on(CHAT, (_request, response) =>
      json(response, 200, {
        model: 'whole',
        choices: [{ index: 0, message: { content: 'all at once' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 4 },
      }),
    )
    const all = await parts((await model().doStream(CALL)).stream)
    expect(text(all)).toBe('all at once')
    expect(all.at(-1)).toMatchObject({ type: 'finish', usage: { outputTokens: { total: 4 } } })
  })

  it('closes the connection when the caller aborts mid-stream', async () => {
    let closed = false
    upstream.on(CHAT, async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write(`${delta('first')}\n\n`)
      response.once('close', () => (closed = true))
      await sleep(2000)
      response.end()
    })
    const controller = new AbortController()
    const { stream } = await model().doStream({ ...CALL, abortSignal: controller.signal })
    const reader = stream.getReader()
    expect((await reader.read()).value).toMatchObject({ type: 'response-metadata' })
    controller.abort(new Error('gone'))
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return
      })(),
    ).rejects.toThrow()
    for (let waited = 0; !closed && waited < 100; waited++) await sleep(10)
    expect(closed).toBe(true)
  })
})
