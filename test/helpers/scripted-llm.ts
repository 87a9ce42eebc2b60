import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll } from 'vitest'

/** The route of OpenAI chat-completions calls. */
export const CHAT = 'POST /v1/chat/completions'
/** The route of Anthropic Messages API calls. */
export const MESSAGES = 'POST /v1/messages'

/** A request the scripted server received. */
export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
}

export type ScriptedHandler = (
  request: ReceivedRequest,
  response: ServerResponse,
) => void | Promise<void>

/**
 * An OpenAI-compatible (and Anthropic-compatible) HTTP server on 127.0.0.1 that plays scripted
 * answers and records what it received. Handlers are keyed `METHOD /path`; a queued handler
 * answers once, before the route's standing handler.
 */
export class ScriptedLlmServer {
  readonly received: ReceivedRequest[] = []
  private readonly standing = new Map<string, ScriptedHandler>()
  private readonly queued = new Map<string, ScriptedHandler[]>()
  private readonly server: Server
  url = ''

  constructor() {
    this.server = createServer((request, response) => void this.handle(request, response))
    this.on('GET /v1/models', (_request, response) =>
      json(response, 200, { object: 'list', data: [{ id: 'scripted-model', object: 'model' }] }),
    )
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  /** Replaces the standing handler of a route. */
  on(route: string, handler: ScriptedHandler): this {
    this.standing.set(route, handler)
    return this
  }

  /** Adds a handler that answers the next request to `route` only. */
  once(route: string, handler: ScriptedHandler): this {
    this.queued.set(route, [...(this.queued.get(route) ?? []), handler])
    return this
  }

  requests(route: string): ReceivedRequest[] {
    return this.received.filter((request) => `${request.method} ${request.path}` === route)
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const received: ReceivedRequest = {
      method: request.method ?? 'GET',
      path: (request.url ?? '/').split('?')[0] ?? '/',
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    }
    this.received.push(received)
    const route = `${received.method} ${received.path}`
    const handler = this.queued.get(route)?.shift() ?? this.standing.get(route)
    if (!handler) return json(response, 404, { error: { message: `no script for ${route}` } })
    await handler(received, response)
  }
}

/** A scripted server started before the tests of the enclosing `describe`, closed after them. */
export function suiteUpstream(): ScriptedLlmServer {
  const upstream = new ScriptedLlmServer()
  beforeAll(async () => {
    await upstream.start()
  })
  afterAll(async () => {
    await upstream.close()
  })
  return upstream
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface ScriptedReply {
  finishReason?: string
  promptTokens?: number
  completionTokens?: number
  model?: string
  delayMs?: number
}

/** The request body of a chat-completions call, parsed. */
export interface ChatRequestBody {
  model: string
  messages: Array<{ role: string; content: string | Array<{ type: string; text: string }> }>
  temperature?: number
  max_tokens?: number
  stream?: boolean
}

export function chatBody(request: ReceivedRequest): ChatRequestBody {
  return JSON.parse(request.body) as ChatRequestBody
}

/** The text of a chat message, whichever content form the client used. */
export function messageText(message: ChatRequestBody['messages'][number]): string {
  return typeof message.content === 'string'
    ? message.content
    : message.content.map((part) => part.text).join('')
}

/** An OpenAI chat-completions answer (streamed as SSE when the request asks for a stream). */
export function chatReply(text: string, reply: ScriptedReply = {}): ScriptedHandler {
  return async (request, response) => {
    if (reply.delayMs) await sleep(reply.delayMs)
    const body = chatBody(request)
    const usage = {
      prompt_tokens: reply.promptTokens ?? 10,
      completion_tokens: reply.completionTokens ?? 20,
      total_tokens: (reply.promptTokens ?? 10) + (reply.completionTokens ?? 20),
    }
    const model = reply.model ?? body.model
    const finish = reply.finishReason ?? 'stop'
    if (!body.stream) {
      return json(response, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [
          { index: 0, message: { role: 'assistant', content: text }, finish_reason: finish },
        ],
        usage,
      })
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    const chunk = (delta: object, finishReason: string | null, extra: object = {}) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`
    response.write(chunk({ role: 'assistant', content: '' }, null))
    for (const piece of text.match(/[\s\S]{1,16}/g) ?? [])
      response.write(chunk({ content: piece }, null))
    response.write(chunk({}, finish))
    response.write(
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model, choices: [], usage })}\n\n`,
    )
    response.end('data: [DONE]\n\n')
  }
}

/** An Anthropic Messages API answer. */
export function anthropicReply(text: string, reply: ScriptedReply = {}): ScriptedHandler {
  return async (request, response) => {
    if (reply.delayMs) await sleep(reply.delayMs)
    const body = JSON.parse(request.body) as { model: string }
    json(response, 200, {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: reply.model ?? body.model,
      content: [{ type: 'text', text }],
      stop_reason: reply.finishReason === 'length' ? 'max_tokens' : 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: reply.promptTokens ?? 10,
        output_tokens: reply.completionTokens ?? 20,
      },
    })
  }
}

/** An error status with a JSON body and optional headers. */
export function errorReply(
  status: number,
  body: unknown = { error: { message: `scripted ${status}` } },
  headers: Record<string, string> = {},
): ScriptedHandler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers })
    response.end(JSON.stringify(body))
  }
}

/** Never answers; the connection stays open until the client gives up. */
export function hang(): ScriptedHandler {
  return () => new Promise(() => {})
}

/** Drops the connection without an answer. */
export function resetConnection(): ScriptedHandler {
  return (request, response) => {
    response.socket?.destroy()
  }
}

/** A reply that is one fenced code block, as a well-behaved model answers. */
export function fenced(language: string, code: string, prose = ''): string {
  return `${prose}\`\`\`${language}\n${code.trimEnd()}\n\`\`\`\n`
}

export interface StreamScript {
  /** Pause before each piece. */
  delayMs?: number
  /** Destroy the connection after this many pieces, as a failing upstream does. */
  failAfter?: number
  /** Called when the client closes the connection before the stream ended. */
  onClientClose?: () => void
}

/** A chat-completions stream sent piece by piece, for watching deltas and cancellation. */
export function streamReply(pieces: string[], script: StreamScript = {}): ScriptedHandler {
  return async (request, response) => {
    const model = chatBody(request).model
    let closed = false
    response.once('close', () => {
      if (!response.writableFinished) {
        closed = true
        script.onClientClose?.()
      }
    })
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const [index, piece] of pieces.entries()) {
      if (script.failAfter !== undefined && index >= script.failAfter) {
        await sleep(50) // let the pieces written so far reach the client first
        response.socket?.destroy()
        return
      }
      if (script.delayMs) await sleep(script.delayMs)
      if (closed) return
      response.write(chunk({ content: piece }, null))
    }
    response.write(chunk({}, 'stop'))
    response.write(
      `data: ${JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: 10, completion_tokens: pieces.length, total_tokens: 10 + pieces.length } })}\n\n`,
    )
    response.end('data: [DONE]\n\n')
  }
}
