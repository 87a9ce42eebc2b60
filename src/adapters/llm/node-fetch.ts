import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import { boundedEventStream, readWhole } from './bounded-read.js'

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  if (!headers) return {}
  if (headers instanceof Headers) return Object.fromEntries(headers.entries())
  if (Array.isArray(headers)) return Object.fromEntries(headers)
  return { ...headers } as Record<string, string>
}

function bodyBytes(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === null || body === undefined) return undefined
  if (typeof body === 'string' || body instanceof Uint8Array) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  throw new TypeError('this fetch sends string or byte bodies only')
}

function responseHeaders(message: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = message.rawHeaders
  for (let index = 0; index < raw.length; index += 2) {
    headers.append(raw[index] as string, raw[index + 1] as string)
  }
  return headers
}

/**
 * Event streams are handed over as a web stream, piece by piece; other bodies are read whole
 * first, since a small JSON reply costs far less as one buffer than through a web stream. Both
 * are counted as they arrive and cut off past `maxReplyBytes`.
 */
async function toResponse(
  message: IncomingMessage,
  method: string,
  maxReplyBytes: number,
): Promise<Response> {
  const init = {
    status: message.statusCode ?? 502,
    statusText: message.statusMessage ?? '',
    headers: responseHeaders(message),
  }
  if (method === 'HEAD' || init.status === 204 || init.status === 304) {
    message.resume()
    return new Response(null, init)
  }
  if (/^text\/event-stream/i.test(message.headers['content-type'] ?? '')) {
    const events = boundedEventStream(message, maxReplyBytes)
    return new Response(Readable.toWeb(events) as ReadableStream<Uint8Array>, init)
  }
  return new Response(await readWhole(message, maxReplyBytes), init)
}

export interface HttpRequestInit {
  method: string
  headers: Record<string, string>
  body?: string | Uint8Array | undefined
  signal?: AbortSignal | undefined
}

/**
 * Keep-alive `node:http`/`node:https` requests whose reply is handed over as soon as its head
 * arrives. Aborting the signal destroys the socket, so the provider sees the connection close at
 * once, even in the middle of a reply. One per provider, shared by its model calls and its health
 * probe (`http-probe.ts`).
 */
export class HttpTransport {
  private readonly http = new HttpAgent({ keepAlive: true, scheduling: 'lifo' })
  private readonly https = new HttpsAgent({ keepAlive: true, scheduling: 'lifo' })

  request(url: URL, init: HttpRequestInit): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const { signal } = init
      if (signal?.aborted) return reject(signal.reason as Error)
      const secure = url.protocol === 'https:'
      const request = (secure ? httpsRequest : httpRequest)(
        url,
        { method: init.method, headers: init.headers, agent: secure ? this.https : this.http },
        (message) => {
          message.once('close', () => signal?.removeEventListener('abort', onAbort))
          resolve(message)
        },
      )
      const onAbort = () => request.destroy(signal?.reason as Error)
      signal?.addEventListener('abort', onAbort, { once: true })
      request.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort)
        reject(error)
      })
      request.end(init.body)
    })
  }
}

/**
 * A `fetch` for the AI SDK's clients on top of {@link HttpTransport}. Node 20's global fetch
 * spends about 2 ms of CPU per call on this class of machine, `node:http` about 0.4 ms; at
 * hundreds of model calls per second that difference is most of a core. Replies larger than
 * `maxReplyBytes` (`LLM_MAX_REPLY_BYTES`) fail with a `ReplyTooLargeError`.
 */
export function createNodeFetch(
  maxReplyBytes: number,
  transport = new HttpTransport(),
): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const method = (init.method ?? 'GET').toUpperCase()
    const message = await transport.request(url, {
      method,
      headers: headerRecord(init.headers),
      body: bodyBytes(init.body),
      signal: init.signal ?? undefined,
    })
    return toResponse(message, method, maxReplyBytes)
  }
}
