import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

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

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
