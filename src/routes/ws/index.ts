import websocket from '@fastify/websocket'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../errors.js'
import { generateRequestSchema } from '../../schemas/generation.js'
import type { PublishedEvent } from '../../services/generation/event-hub.js'
import { errorEvent, isFinal, messageValidationError } from '../../streaming/events.js'

const idSchema = z.string().min(1).max(100)

/** Largest client message; a generation request is a few kilobytes. */
const MAX_MESSAGE_BYTES = 1024 * 1024

/**
 * `GET /api/ws`: the events of `POST /generate/stream` as JSON messages `{type, id, data}`, for
 * several generations on one socket. Client messages: `generate` (a generation request, with an
 * optional `ref` echoed on its events), `cancel {id}` and `subscribe {id}`.
 */
export const wsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { generation, config } = app.services
  await app.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES } })

  const generateMessage = z.object({
    type: z.literal('generate'),
    ref: z.string().max(100).optional(),
    ...generateRequestSchema(config.limits.maxPromptLength).shape,
  })
  const clientMessage = z.discriminatedUnion('type', [
    generateMessage,
    z.object({ type: z.literal('cancel'), id: idSchema }),
    z.object({ type: z.literal('subscribe'), id: idSchema }),
  ])

  app.get(
    '/ws',
    {
      websocket: true,
      schema: {
        tags: ['generation'],
        summary: 'Generation events over a WebSocket; several generations per socket',
        description:
          'Send {"type":"generate", "ref"?, …request}, {"type":"cancel","id"} or {"type":"subscribe","id"}. Receive {type, id, ref?, data} with the event types of POST /generate/stream. Closing the socket cancels the generations it started.',
      },
    },
    (socket, request) => {
      const started = new Map<string, AbortController>()
      const pending = new Set<AbortController>()
      const unsubscribes = new Set<() => void>()

      const send = (message: object) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message))
      }
      const sendError = (error: unknown, id: string | null, ref?: string) => {
        send({ id, ...(ref === undefined ? {} : { ref }), ...errorEvent(error, request.id) })
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
          send({ type: event.type, id, ...(ref === undefined ? {} : { ref }), data: event.data })
        }
        generation
          .generate(body, { emit, signal: controller.signal, requestId: request.id })
          .catch((error: unknown) => {
            if (!(error instanceof AppError)) request.log.error({ err: error }, 'generation failed')
            if (!finished) sendError(error, id, ref)
          })
          .finally(() => {
            pending.delete(controller)
            if (id) started.delete(id)
          })
      }

      const subscribe = (id: string) => {
        generation
          .watch(id, (event) => send({ type: event.type, id, data: event.data }), request.id)
          .then((unsubscribe) => unsubscribes.add(unsubscribe))
          .catch((error: unknown) => sendError(error, id))
      }

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
        const result = clientMessage.safeParse(parsed)
        if (!result.success) return sendError(messageValidationError(result.error), null)
        const message = result.data
        if (message.type === 'generate') return startGeneration(message)
        if (message.type === 'subscribe') return subscribe(message.id)
        // Any generation: of this socket, another one, or (with Redis) another API process.
        generation.cancel(message.id).catch((error: unknown) => sendError(error, message.id))
      })

      const heartbeat = setInterval(() => socket.ping(), config.generation.heartbeatMs)
      socket.on('close', () => {
        clearInterval(heartbeat)
        const gone = new AppError(
          'APP_ERR_GENERATION_CANCELLED',
          'The WebSocket that started the generation closed',
        )
        for (const controller of pending) controller.abort(gone)
        for (const unsubscribe of unsubscribes) unsubscribe()
      })
    },
  )
}
