import type { IncomingHttpHeaders } from 'node:http'
import websocket from '@fastify/websocket'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError, schemaValidationError, ValidationError } from '../../errors.js'
import { errorResponses } from '../../schemas/error.js'
import { generateRequestSchema, PROMPT_LENGTH_CEILING } from '../../schemas/generation.js'
import type { PublishedEvent } from '../../schemas/generation-events.js'
import { ownerOf } from '../../services/access/principal.js'
import { errorEvent, isFinal } from '../../streaming/events.js'

const idSchema = z.string().min(1).max(100)

/** Largest client message; a generation request is a few kilobytes. */
const MAX_MESSAGE_BYTES = 1024 * 1024

/**
 * Messages of one socket being handled at once: generations it started and subscriptions it
 * holds until their last event, and messages waiting for the rate limiter. More are refused, so
 * one socket cannot queue work without bound between two checks of the rate limit.
 */
export const MAX_IN_FLIGHT_PER_SOCKET = 32

const refSchema = z.string().max(100)

/** RFC 6455 §4.1: a nonce of 16 bytes in base64. */
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/
/** A comma-separated list of HTTP tokens (RFC 9110 §5.6.2), as `Sec-WebSocket-Protocol` is. */
const TOKEN_LIST = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:\s*,\s*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/

/**
 * What is wrong with a WebSocket handshake, checked before the WebSocket library sees it: the
 * library refuses a bad one with a bare text/html answer instead of the API's error shape.
 */
function handshakeProblem(headers: IncomingHttpHeaders): string | null {
  if (headers.upgrade?.toLowerCase() !== 'websocket') return 'Upgrade must be websocket'
  const key = headers['sec-websocket-key']
  if (typeof key !== 'string' || !WEBSOCKET_KEY.test(key))
    return 'Sec-WebSocket-Key must be 16 random bytes in base64'
  const version = headers['sec-websocket-version']
  if (version !== '13' && version !== '8') return 'Sec-WebSocket-Version must be 13'
  const protocol = headers['sec-websocket-protocol']
  if (protocol !== undefined && !TOKEN_LIST.test(protocol))
    return 'Sec-WebSocket-Protocol must be a comma-separated list of tokens'
  return null
}

/** The `ref` of a client message, when it has a usable one, whatever else is wrong with it. */
function refOf(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null || !('ref' in message)) return undefined
  const ref = refSchema.safeParse(message.ref)
  return ref.success ? ref.data : undefined
}

/**
 * `GET /api/ws`: the events of `POST /generate/stream` as JSON messages `{type, id, data}`, for
 * several generations on one socket. Client messages: `generate` (a generation request, with an
 * optional `ref` echoed on its events), `cancel {id}` and `subscribe {id}`.
 */
export const wsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { generation, jobs, config, access } = app.services
  await app.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES } })

  const generateMessage = z.object({
    type: z.literal('generate'),
    ref: refSchema.optional(),
    ...generateRequestSchema(PROMPT_LENGTH_CEILING).shape,
  })
  const clientMessage = z.discriminatedUnion('type', [
    generateMessage,
    z.object({ type: z.literal('cancel'), ref: refSchema.optional(), id: idSchema }),
    z.object({ type: z.literal('subscribe'), ref: refSchema.optional(), id: idSchema }),
  ])

  app.route({
    method: 'GET',
    url: '/ws',
    // A browser cannot set headers on a WebSocket: it may send its token as ?access_token=.
    config: { access: 'user', queryToken: true },
    // A documented GET (`websocket: true` would hide it from the OpenAPI document): the upgrade
    // goes to wsHandler, a plain GET to the handler below.
    schema: {
      tags: ['generation'],
      summary: 'Generation events over a WebSocket; several generations per socket',
      response: {
        101: z.null().describe('Switching Protocols: the connection is a WebSocket from here on'),
        ...errorResponses(400),
      },
      description: `A WebSocket endpoint: connect with Upgrade: websocket (a plain GET answers 400). Send {"type":"generate", "ref"?, …request}, {"type":"cancel", "ref"?, "id"} or {"type":"subscribe", "ref"?, "id"} (the id of a generation or of a job). Receive {type, id, ref?, data} with the event types of POST /generate/stream; an error caused by a message carries its ref. Every message counts against the rate limit like an HTTP request (a refused one gets an error with code APP_ERR_RATE_LIMITED and retry_after_s), and one socket may have 32 generations, subscriptions and messages in flight. Closing the socket cancels the generations it started. With AUTH=on the credential comes with the handshake (Authorization, X-API-Key, or ?access_token= for browsers); a socket may follow and cancel only its user's generations and jobs.`,
    },
    onRequest: async (request) => {
      if (!(request.raw as { upgrade?: boolean }).upgrade) return
      const problem = handshakeProblem(request.headers)
      if (problem) throw new ValidationError(`Invalid WebSocket handshake: ${problem}`)
    },
    wsHandler: (socket, request) => {
      const started = new Map<string, AbortController>()
      const pending = new Set<AbortController>()
      const unsubscribes = new Set<() => void>()
      /** Subscriptions that have not seen their last event, and messages at the rate limiter. */
      let watching = 0
      let waiting = 0
      let closed = false

      const send = (message: object) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message))
      }
      const withRef = (ref: string | undefined) => (ref === undefined ? {} : { ref })
      const sendError = (error: unknown, id: string | null, ref?: string) => {
        send({ id, ...withRef(ref), ...errorEvent(error, request.id) })
      }

      const startGeneration = (message: z.output<typeof generateMessage>) => {
        const { ref, prompt, programming_language, include_tests, include_docs, options } = message
        const body = { prompt, programming_language, include_tests, include_docs, options }
        const controller = new AbortController()
        pending.add(controller)
        let id: string | null = null
        let finished = false
        const emit = (event: PublishedEvent) => {
          if (event.type === 'started') {
            id = event.data.id
            started.set(id, controller)
          }
          finished ||= isFinal(event)
          send({ type: event.type, id, ...withRef(ref), data: event.data })
        }
        const owner = ownerOf(request.principal)
        access.admission
          .generations(request.principal, [body])
          .then(() =>
            generation.generate(body, {
              emit,
              signal: controller.signal,
              requestId: request.id,
              owner,
            }),
          )
          .catch((error: unknown) => {
            if (!(error instanceof AppError)) request.log.error({ err: error }, 'generation failed')
            if (!finished) sendError(error, id, ref)
          })
          .finally(() => {
            pending.delete(controller)
            if (id) started.delete(id)
          })
      }

      const subscribe = (id: string, ref: string | undefined) => {
        watching++
        let ended = false
        let stop: (() => void) | undefined
        // After its last event a subscription lets go of its listener and its place in flight.
        const end = () => {
          if (ended) return
          ended = true
          watching--
          if (stop) {
            unsubscribes.delete(stop)
            stop()
          }
        }
        // A job id or the id of a generation run directly: either can be followed, by its owner.
        access.ownership
          .check(request.principal, id)
          .then(() =>
            jobs.watch(
              id,
              (event) => {
                send({ type: event.type, id, ...withRef(ref), data: event.data })
                if (isFinal(event)) end()
              },
              request.id,
            ),
          )
          .then((unsubscribe) => {
            if (closed || ended) return unsubscribe()
            stop = unsubscribe
            unsubscribes.add(unsubscribe)
          })
          .catch((error: unknown) => {
            end()
            sendError(error, id, ref)
          })
      }

      /** Handles a message the rate limiter let through. */
      const dispatch = (parsed: unknown, ref: string | undefined) => {
        const result = clientMessage.safeParse(parsed)
        if (!result.success) {
          return sendError(schemaValidationError('message', result.error.issues), null, ref)
        }
        const message = result.data
        if (message.type === 'generate') return startGeneration(message)
        if (message.type === 'subscribe') return subscribe(message.id, message.ref)
        // Any generation or job: of this socket, another one, or another process's.
        access.ownership
          .check(request.principal, message.id)
          .then(() => jobs.cancelGeneration(message.id))
          .catch((error: unknown) => sendError(error, message.id, message.ref))
      }

      // Messages meet the rate limiter one at a time and in order: the in-process store answers
      // with its live counter, so concurrent checks would all read the count of the last one.
      let queue = Promise.resolve()
      socket.on('message', (raw: Buffer) => {
        let parsed: unknown
        try {
          parsed = JSON.parse(raw.toString('utf8'))
        } catch {
          return sendError(
            new AppError('APP_ERR_MALFORMED_BODY', 'A WebSocket message must be one JSON object'),
            null,
          )
        }
        const ref = refOf(parsed)
        if (waiting + pending.size + watching >= MAX_IN_FLIGHT_PER_SOCKET) {
          return sendError(
            new AppError(
              'APP_ERR_RATE_LIMITED',
              `At most ${MAX_IN_FLIGHT_PER_SOCKET} generations, subscriptions and messages may be in flight on one WebSocket; wait for one to end`,
              { retryable: true, extra: { retry_after_s: 1 } },
            ),
            null,
            ref,
          )
        }
        // Every message counts against the client's rate limit, like an HTTP request.
        waiting++
        queue = queue
          .then(() => app.countRequest(request))
          .finally(() => waiting--)
          .then(async (refused) => {
            if (refused) return sendError(refused, null, ref)
            // The socket outlives its handshake: each message holds the credential to the same
            // test as a request would, so an expired token, a revoked key or a disabled user ends it.
            const stillValid = await request.recheck?.().then(
              () => true,
              (error: unknown) => {
                sendError(error, null, ref)
                socket.close(1008, 'The credential is no longer valid')
                return false
              },
            )
            if (stillValid !== false && !closed) dispatch(parsed, ref)
          })
          // The queue must survive a failure, or the socket's later messages would wait for ever.
          .catch((error: unknown) => {
            request.log.error({ err: error }, 'websocket message failed')
            sendError(error, null, ref)
          })
      })

      const heartbeat = setInterval(() => socket.ping(), config.generation.heartbeatMs)
      socket.on('close', () => {
        closed = true
        clearInterval(heartbeat)
        const gone = new AppError(
          'APP_ERR_GENERATION_CANCELLED',
          'The WebSocket that started the generation closed',
        )
        for (const controller of pending) controller.abort(gone)
        for (const unsubscribe of unsubscribes) unsubscribe()
      })
    },
    handler: async () => {
      throw new ValidationError(
        'GET /api/ws is a WebSocket endpoint; connect with the headers Upgrade: websocket and Connection: Upgrade',
      )
    },
  })
}
