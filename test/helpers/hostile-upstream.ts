import type { ServerResponse } from 'node:http'
import { CODE_REPLY } from './generation.js'
import { chatBody, sleep, type ReceivedRequest, type ScriptedHandler } from './scripted-llm.js'

/**
 * The provider key the hostile upstream is configured with. A secret scan of the suite's logs,
 * stored rows and responses looks for this value (and the `sk-test-hostile-` prefix).
 */
export const HOSTILE_KEY = 'sk-test-hostile-7Qm2Xv9Lp4Rt8Wz3Kd6N'

/** Every misbehaviour the hostile upstream can play; see {@link hostileReply}. */
export const HOSTILE_MODES = [
  'error-200-json',
  'error-200-sse',
  'key-in-400',
  'key-in-text-200',
  'key-in-html-200',
  'html-200',
  'empty-200',
  'wrong-content-type',
  'huge-json',
  'huge-sse',
  'endless-line',
  'endless-events',
  'truncated-json',
  'reset-mid-stream',
  'slow-drip',
  'invalid-utf8',
  'usage-strings',
  'usage-negative',
  'usage-fractional',
  'usage-huge',
  'usage-object',
  'usage-array',
  'model-object',
  'model-array',
  'model-long',
  'model-control-characters',
  'finish-reason-prototype',
  'content-not-text',
] as const

export type HostileMode = (typeof HOSTILE_MODES)[number]

export interface HostileOptions {
  /** The model text of modes that answer with a reply (default: parseable Python in a fence). */
  text?: string
  /** Bytes the `huge-*` modes send at most: set it well above the client's reply limit. */
  hugeBytes?: number
}

const CHUNK_BYTES = 16 * 1024

const turn = () => new Promise((resolve) => setImmediate(resolve))

/** The key the client sent, as the upstream would quote it back (or the configured one). */
function keyOf(request: ReceivedRequest): string {
  const authorization = request.headers.authorization ?? ''
  return authorization.replace(/^Bearer\s+/i, '') || HOSTILE_KEY
}

/** Writes `piece`, waiting for the socket to drain; false once the client has gone. */
async function write(response: ServerResponse, piece: string | Buffer): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return false
  if (response.write(piece)) return true
  return new Promise((resolve) => {
    const done = (open: boolean) => {
      response.off('drain', onDrain)
      response.off('close', onClose)
      resolve(open)
    }
    const onDrain = () => done(true)
    const onClose = () => done(false)
    response.once('drain', onDrain)
    response.once('close', onClose)
  })
}

function chunkEvent(model: unknown, delta: unknown, finish: unknown, extra: object = {}): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-h',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  })}\n\n`
}

function wholeReply(model: unknown, content: unknown, usage: unknown, finish: unknown): string {
  return JSON.stringify({
    id: 'chatcmpl-h',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
    usage,
  })
}

/** What the malformed-field modes change of an otherwise good reply. */
function malformed(
  mode: HostileMode,
  request: ReceivedRequest,
  text: string,
): { model: unknown; usage: unknown; finish: unknown; content: unknown } {
  const good = {
    model: chatBody(request).model,
    usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
    finish: 'stop',
    content: text,
  }
  switch (mode) {
    case 'usage-strings':
      return { ...good, usage: { prompt_tokens: '10', completion_tokens: 'many' } }
    case 'usage-negative':
      return { ...good, usage: { prompt_tokens: -5, completion_tokens: -1e9 } }
    case 'usage-fractional':
      return { ...good, usage: { prompt_tokens: 1.5, completion_tokens: 0.25 } }
    case 'usage-huge':
      return { ...good, usage: { prompt_tokens: 1e300, completion_tokens: 2 ** 53 + 2 } }
    case 'usage-object':
      return { ...good, usage: { prompt_tokens: { n: 1 }, completion_tokens: [3] } }
    case 'usage-array':
      return { ...good, usage: [1, 2, 3] }
    case 'model-object':
      return { ...good, model: { id: 'gpt', toString: 'x' } }
    case 'model-array':
      return { ...good, model: ['a', 'b'] }
    case 'model-long':
      return { ...good, model: 'm'.repeat(10_000) }
    case 'model-control-characters':
      return { ...good, model: 'evil\u0000model\u001b[31m\nnext' }
    case 'finish-reason-prototype':
      return { ...good, finish: 'constructor' }
    case 'content-not-text':
      return { ...good, content: { code: text } }
    default:
      return good
  }
}

/**
 * A chat-completions handler that misbehaves as `mode` says: errors sent with status 200, the
 * key quoted back, replies that are huge, endless, truncated, reset, dripping, not UTF-8, not
 * JSON, or whose `usage` and `model` are malformed. Streams (SSE) when the request asks for it,
 * unless the mode is about the kind of body.
 */
export function hostileReply(mode: HostileMode, options: HostileOptions = {}): ScriptedHandler {
  const text = options.text ?? CODE_REPLY
  const hugeBytes = options.hugeBytes ?? 4 * 1024 * 1024
  return async (request, response) => {
    const stream = chatBody(request).stream === true
    const model = chatBody(request).model
    switch (mode) {
      case 'error-200-json':
        response.writeHead(200, { 'content-type': 'application/json' })
        return void response.end(
          JSON.stringify({
            error: {
              message: `Incorrect API key provided: ${keyOf(request)}. Find your key at https://example.com`,
              type: 'invalid_request_error',
            },
          }),
        )
      case 'error-200-sse':
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.write(chunkEvent(model, { role: 'assistant', content: '' }, null))
        return void response.end(
          `data: ${JSON.stringify({ error: { message: `Invalid API key provided: ${keyOf(request)}` } })}\n\n`,
        )
      case 'key-in-400':
        response.writeHead(400, { 'content-type': 'application/json' })
        return void response.end(
          JSON.stringify({ error: { message: `Key ${keyOf(request)} is not allowed` } }),
        )
      case 'key-in-text-200':
        response.writeHead(200, { 'content-type': 'application/json' })
        return void response.end(`Invalid key ${keyOf(request)}: access denied`)
      case 'key-in-html-200':
        response.writeHead(200, { 'content-type': 'text/html' })
        return void response.end(
          `<!doctype html><html><body><h1>Unauthorized</h1><p>Authorization: ${request.headers.authorization ?? ''}</p></body></html>`,
        )
      case 'html-200':
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        return void response.end(
          '<!doctype html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
        )
      case 'empty-200':
        response.writeHead(200, { 'content-type': 'application/json' })
        return void response.end()
      case 'wrong-content-type': {
        // Events sent as JSON, a whole reply sent as plain text.
        response.writeHead(200, { 'content-type': stream ? 'application/json' : 'text/plain' })
        const body = stream
          ? `${chunkEvent(model, { content: text }, 'stop')}data: [DONE]\n\n`
          : wholeReply(model, text, { prompt_tokens: 1, completion_tokens: 1 }, 'stop')
        return void response.end(body)
      }
      case 'huge-json': {
        response.writeHead(200, { 'content-type': 'application/json' })
        if (!(await write(response, '{"choices":[{"message":{"content":"'))) return
        const filler = 'a'.repeat(CHUNK_BYTES)
        for (let sent = 0; sent < hugeBytes; sent += CHUNK_BYTES) {
          if (!(await write(response, filler))) return
        }
        return void response.end('"},"finish_reason":"stop"}]}')
      }
      case 'huge-sse':
      case 'endless-events': {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        const event = chunkEvent(model, { content: 'x = 1\n' }, null)
        const batch = event.repeat(Math.max(1, Math.floor(CHUNK_BYTES / event.length)))
        for (let sent = 0; mode === 'endless-events' || sent < hugeBytes; sent += batch.length) {
          if (!(await write(response, batch))) return
          // A turn of the event loop between pieces: endless, yet no flood of one loop turn.
          if (mode === 'endless-events') await turn()
        }
        return void response.end('data: [DONE]\n\n')
      }
      case 'endless-line': {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        if (!(await write(response, 'data: {"choices":[{"delta":{"content":"'))) return
        const filler = 'b'.repeat(CHUNK_BYTES)
        for (;;) {
          if (!(await write(response, filler))) return
          await turn()
        }
      }
      case 'truncated-json': {
        response.writeHead(200, {
          'content-type': stream ? 'text/event-stream' : 'application/json',
        })
        const whole = wholeReply(model, text, { prompt_tokens: 1, completion_tokens: 1 }, 'stop')
        const cut = whole.slice(0, whole.indexOf('"content":"') + 20)
        return void response.end(stream ? `data: ${cut}\n\n` : cut)
      }
      case 'reset-mid-stream': {
        response.writeHead(200, {
          'content-type': stream ? 'text/event-stream' : 'application/json',
        })
        response.write(
          stream
            ? chunkEvent(model, { content: text.slice(0, 10) }, null)
            : '{"choices":[{"message":{"content":"def',
        )
        await sleep(50)
        return void response.socket?.destroy()
      }
      case 'slow-drip': {
        response.writeHead(200, {
          'content-type': stream ? 'text/event-stream' : 'application/json',
        })
        const body = stream
          ? `${chunkEvent(model, { content: text }, 'stop')}data: [DONE]\n\n`
          : wholeReply(model, text, { prompt_tokens: 1, completion_tokens: 1 }, 'stop')
        for (const byte of Buffer.from(body)) {
          if (!(await write(response, Buffer.from([byte])))) return
          await sleep(1000)
        }
        return void response.end()
      }
      case 'invalid-utf8': {
        response.writeHead(200, {
          'content-type': stream ? 'text/event-stream' : 'application/json',
        })
        const marker = '@@BAD@@'
        const withMarker = text.replace('\n', `  # ${marker}\n`)
        const body = stream
          ? `${chunkEvent(model, { content: withMarker }, 'stop')}data: [DONE]\n\n`
          : wholeReply(model, withMarker, { prompt_tokens: 1, completion_tokens: 1 }, 'stop')
        const [before, after] = body.split(marker)
        // A lone continuation byte, an overlong encoding and a truncated 4-byte sequence.
        const bad = Buffer.from([0x80, 0xc0, 0xaf, 0xff, 0xf0, 0x9f, 0x98])
        return void response.end(
          Buffer.concat([Buffer.from(before ?? ''), bad, Buffer.from(after ?? '')]),
        )
      }
      default: {
        const fields = malformed(mode, request, text)
        if (!stream) {
          response.writeHead(200, { 'content-type': 'application/json' })
          return void response.end(
            wholeReply(fields.model, fields.content, fields.usage, fields.finish),
          )
        }
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        const pieces =
          typeof fields.content === 'string'
            ? (fields.content.match(/[\s\S]{1,32}/g) ?? [])
            : [fields.content]
        for (const piece of pieces)
          response.write(chunkEvent(fields.model, { content: piece }, null))
        response.write(chunkEvent(fields.model, {}, fields.finish))
        response.write(
          `data: ${JSON.stringify({ id: 'chatcmpl-h', object: 'chat.completion.chunk', created: 1, model: fields.model, choices: [], usage: fields.usage })}\n\n`,
        )
        return void response.end('data: [DONE]\n\n')
      }
    }
  }
}
