import type { ServerResponse } from 'node:http'
import { APICallError } from '@ai-sdk/provider'
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
import type { TextCall } from './model-provider.js'
import { HttpTransport } from './node-fetch.js'

const MESSAGES = [
  { role: 'system' as const, content: 'You write Python.' },
  { role: 'user' as const, content: 'Add two numbers.' },
]

/** A call; `pieces` collects what `onText` is given when the call streams. */
function call(pieces?: string[], signal = new AbortController().signal): TextCall {
  return {
    messages: MESSAGES,
    maxOutputTokens: 512,
    temperature: 0.2,
    signal,
    ...(pieces ? { onText: (delta: string) => pieces.push(delta) } : {}),
  }
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
    expect(await model('sk-test-123456').reply(call())).toEqual({
      text: 'def add(a, b):\n    return a + b\n',
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 },
      model: 'served-model',
    })
    const [request] = upstream.requests(CHAT)
    expect(request?.headers.authorization).toBe('Bearer sk-test-123456')
    expect(JSON.parse(request?.body ?? '')).toEqual({
      model: 'scripted-model',
      messages: MESSAGES,
      max_tokens: 512,
      temperature: 0.2,
    })
  })

  it('maps the finish reasons of the dialect', async () => {
    for (const [raw, reason] of [
      ['length', 'length'],
      ['content_filter', 'content-filter'],
      ['tool_calls', 'other'],
      ['eos', 'other'],
    ]) {
      upstream.on(CHAT, chatReply('x', { finishReason: raw }))
      expect((await model().reply(call())).finishReason).toBe(reason)
    }
  })

  it('raises APICallError with the status, headers and body of a refusal, never the prompt', async () => {
    upstream.on(CHAT, (_request, response) => {
      response.setHeader('retry-after', '3')
      json(response, 429, { error: { message: 'slow down' } })
    })
    const error = await model()
      .reply(call())
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
    await expect(model().reply(call())).rejects.toThrow(/model not loaded/)
  })

  it('streams each piece to onText and asks for usage in the stream', async () => {
    upstream.on(CHAT, chatReply('def add(a, b):\n    return a + b\n'))
    const pieces: string[] = []
    const reply = await model().reply(call(pieces))
    expect(pieces.length).toBeGreaterThan(1)
    expect(pieces.join('')).toBe('def add(a, b):\n    return a + b\n')
    expect(reply).toEqual({
      text: 'def add(a, b):\n    return a + b\n',
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 },
      model: 'scripted-model',
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
    const pieces: string[] = []
    const reply = await model().reply(call(pieces))
    expect(pieces).toEqual(['naïve ', 'π≈3.14 ', '🙂'])
    expect(reply).toMatchObject({ text: 'naïve π≈3.14 🙂', finishReason: 'stop', model: 'm-1' })
    expect(writes).toBeGreaterThan(10)
  })

  it('joins the data lines of one event', async () => {
    const event = delta('joined', 'stop').replace('"delta":', '\ndata: "delta":')
    upstream.on(CHAT, rawStream([`${event}\n\n`, 'data: [DONE]\n\n']))
    expect((await model().reply(call([]))).text).toBe('joined')
  })

  it('ends a stream that closes without [DONE] with what it said', async () => {
    upstream.on(CHAT, rawStream([`${delta('cut ')}\n\n`, `${delta('short', 'length')}\n\n`]))
    expect(await model().reply(call([]))).toMatchObject({
      text: 'cut short',
      finishReason: 'length',
    })
  })

  it('fails the stream on an error event or on a chunk that is not JSON', async () => {
    upstream.on(
      CHAT,
      rawStream([`${delta('a')}\n\n`, 'data: {"error": {"message": "model crashed"}}\n\n']),
    )
    await expect(model().reply(call([]))).rejects.toThrow(/model crashed/)
    upstream.on(CHAT, rawStream([`${delta('a')}\n\n`, 'data: {not json\n\n']))
    await expect(model().reply(call([]))).rejects.toThrow(SyntaxError)
  })

  it('accepts a whole JSON reply from a server that ignores stream: true', async () => {
    upstream.on(CHAT, (_request, response) =>
      json(response, 200, {
        model: 'whole',
        choices: [{ index: 0, message: { content: 'all at once' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 4 },
      }),
    )
    const pieces: string[] = []
    expect(await model().reply(call(pieces))).toMatchObject({
      text: 'all at once',
      usage: { completionTokens: 4 },
      model: 'whole',
    })
    expect(pieces).toEqual(['all at once'])
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
    const pieces: string[] = []
    const reply = model().reply({
      ...call(),
      signal: controller.signal,
      onText: (piece) => {
        pieces.push(piece)
        controller.abort(new Error('gone'))
      },
    })
    await expect(reply).rejects.toThrow()
    expect(pieces).toEqual(['first'])
    for (let waited = 0; !closed && waited < 100; waited++) await sleep(10)
    expect(closed).toBe(true)
  })
})
