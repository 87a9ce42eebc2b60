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
      maxReplyBytes: 64 * 1024,
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
    await expect(model().reply(call())).rejects.toMatchObject({
      name: 'ReplyErrorObjectError',
      providerMessage: 'model not loaded',
    })
  })

  it('summarises a body that is not JSON instead of quoting it', async () => {
    upstream.on(CHAT, (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end('Invalid key sk-quoted-key-123456 <html>')
    })
    const error = (await model()
      .reply(call())
      .catch((caught: unknown) => caught)) as Error
    expect(error.message).toBe('the reply is not JSON (text/html, 39 bytes)')
    upstream.on(CHAT, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end()
    })
    await expect(model().reply(call())).rejects.toThrow(
      'the reply is empty (application/json, 0 bytes)',
    )
  })

  describe('reply limits', () => {
    const limited = (maxReplyBytes: number) =>
      new ChatCompletionsModel({
        modelId: 'scripted-model',
        baseUrl: `${upstream.url}/v1`,
        apiKey: null,
        maxReplyBytes,
        transport: new HttpTransport(),
      })

    /** Writes `total` bytes of `piece` (as a body or event stream), stopping when the client leaves. */
    function flood(contentType: string, head: string, piece: string, total: number) {
      return async (_request: unknown, response: ServerResponse) => {
        let closed = false
        response.once('close', () => (closed = true))
        response.writeHead(200, { 'content-type': contentType })
        response.write(head)
        for (let sent = 0; sent < total && !closed; sent += piece.length) {
          if (!response.write(piece))
            await new Promise((resolve) => response.once('drain', resolve))
        }
        if (!closed) response.end()
      }
    }

    it('stops reading a whole body past the limit and closes the connection', async () => {
      upstream.on(CHAT, flood('application/json', '{"x":"', 'a'.repeat(4096), 1024 * 1024))
      await expect(limited(16 * 1024).reply(call())).rejects.toMatchObject({
        name: 'ReplyTooLargeError',
        what: 'reply',
        limitBytes: 16 * 1024,
      })
    })

    it('refuses a body whose declared length is over the limit before reading it', async () => {
      upstream.on(CHAT, (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '99999' })
        response.write('{')
      })
      await expect(limited(16 * 1024).reply(call())).rejects.toMatchObject({ what: 'reply' })
    })

    it('stops an event stream past the limit, after passing on what arrived', async () => {
      const event = `${delta('x')}\n\n`
      upstream.on(CHAT, flood('text/event-stream', '', event, 1024 * 1024))
      const pieces: string[] = []
      await expect(limited(16 * 1024).reply(call(pieces))).rejects.toMatchObject({
        what: 'reply',
      })
      expect(pieces.length).toBeGreaterThan(0)
      expect(pieces.length * event.length).toBeLessThanOrEqual(16 * 1024)
    })

    it('stops an event line that never ends', async () => {
      upstream.on(CHAT, flood('text/event-stream', 'data: "', 'b'.repeat(4096), 3 * 1024 * 1024))
      await expect(limited(4 * 1024 * 1024).reply(call([]))).rejects.toMatchObject({
        name: 'ReplyTooLargeError',
        what: 'event',
      })
    })

    it('looks at each byte of a long line once, whatever the number of pieces', async () => {
      // 2,000 pieces of one line: rescanning the line at each piece would read 2,000 × 1 MB.
      const line =
        'data: ' + JSON.stringify({ choices: [{ delta: { content: 'y'.repeat(500_000) } }] })
      const bytes = Buffer.from(`${line}\n\ndata: [DONE]\n\n`)
      upstream.on(CHAT, async (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        for (let at = 0; at < bytes.length; at += 256) response.write(bytes.subarray(at, at + 256))
        response.end()
      })
      const reads: number[] = []
      const indexOf = String.prototype.indexOf
      String.prototype.indexOf = function (this: string, ...args: Parameters<string['indexOf']>) {
        // Only the long strings a line is built of; other callers are not the subject.
        if (this.length > 1000) reads.push(this.length - (args[1] ?? 0))
        return indexOf.apply(this, args)
      }
      try {
        const reply = await limited(4 * 1024 * 1024).reply(call([]))
        expect(reply.text).toHaveLength(500_000)
      } finally {
        String.prototype.indexOf = indexOf
      }
      const scanned = reads.reduce((sum, length) => sum + Math.max(0, length), 0)
      expect(scanned).toBeLessThan(4 * bytes.length)
    })
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
    await expect(model().reply(call([]))).rejects.toMatchObject({
      providerMessage: 'model crashed',
    })
    upstream.on(CHAT, rawStream([`${delta('a')}\n\n`, 'data: {not json\n\n']))
    await expect(model().reply(call([]))).rejects.toThrow(/^the reply is not JSON/)
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
