import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../errors.js'
import { errorResponses } from '../../schemas/error.js'
import {
  batchGenerateRequestSchema,
  batchGenerateResponseSchema,
  generateRequestSchema,
  generationResultSchema,
  idempotencyHeadersSchema,
  PROMPT_LENGTH_CEILING,
} from '../../schemas/generation.js'
import { jsonWithoutCheck } from '../../schemas/serializer.js'
import { ownerOf } from '../../services/access/principal.js'
import { abortOnDisconnect, EventStream } from '../../streaming/connection.js'
import { errorEvent } from '../../streaming/events.js'

export const generateRoutes: FastifyPluginAsyncZod = async (app) => {
  const { generation, config, access } = app.services
  const heartbeatMs = config.generation.heartbeatMs

  app.post(
    '/generate',
    {
      config: { access: 'user' },
      schema: {
        tags: ['generation'],
        summary: 'Generate code that parses, with tests, documentation and metrics',
        description:
          'Answers when the generation is over. One cancelled while the client waits (POST /api/generations/{id}/cancel, from any client) answers 409 APP_ERR_GENERATION_CANCELLED; its history entry says cancelled.',
        headers: idempotencyHeadersSchema,
        body: generateRequestSchema(PROMPT_LENGTH_CEILING),
        response: {
          200: generationResultSchema,
          ...errorResponses(400, 409, 422, 502, 503, 504),
        },
      },
      serializerCompiler: jsonWithoutCheck,
    },
    async (request, reply) => {
      const idempotencyKey = request.headers['idempotency-key']
      await access.admission.generations(request.principal, [request.body])
      const { result, replayed } = await generation.generate(request.body, {
        idempotencyKey,
        owner: ownerOf(request.principal),
        // A client that leaves stops paying, unless it said it will retry (Idempotency-Key).
        signal: idempotencyKey ? undefined : abortOnDisconnect(reply.raw),
        requestId: request.id,
      })
      if (replayed) void reply.header('idempotent-replayed', 'true')
      return result
    },
  )

  app.post(
    '/generate/batch',
    {
      config: { access: 'user' },
      schema: {
        tags: ['generation'],
        summary:
          'Up to 20 generations, BATCH_CONCURRENCY at a time; one failing never fails the others',
        body: batchGenerateRequestSchema(PROMPT_LENGTH_CEILING),
        response: { 200: batchGenerateResponseSchema, ...errorResponses(400, 503) },
      },
      serializerCompiler: jsonWithoutCheck,
    },
    async (request, reply) => {
      await access.admission.generations(request.principal, request.body.requests)
      const results = await generation.generateBatch(request.body.requests, {
        signal: abortOnDisconnect(reply.raw),
        requestId: request.id,
        owner: ownerOf(request.principal),
      })
      const count = (status: string) => results.filter((item) => item.status === status).length
      const body = {
        results,
        summary: {
          total: results.length,
          completed: count('completed'),
          partial: count('partial'),
          failed: count('failed'),
          errors: count('error'),
        },
      }
      return body
    },
  )

  app.post(
    '/generate/stream',
    {
      config: { access: 'user' },
      schema: {
        tags: ['generation'],
        summary: 'The same generation as POST /generate, as Server-Sent Events, stage by stage',
        description:
          'Events: started {id, model} · code.delta {text} · code.done {code, validation} · repair {stage, attempt, syntax_errors} · tests.delta · tests.done · docs.delta · docs.done · verify.started {round} · verify.result {round, status, tests} · fix {round, reason} · metrics · completed {the full result} · error {the error shape}. `completed` or `error` is always the last event; a comment line is sent every STREAM_HEARTBEAT_MS. Closing the connection cancels the generation.',
        body: generateRequestSchema(PROMPT_LENGTH_CEILING),
        response: {
          // Only the stream is text/event-stream: an error before its first byte is JSON.
          200: {
            description: 'The events, as Server-Sent Events',
            content: { 'text/event-stream': { schema: z.string() } },
          },
          ...errorResponses(400, 503),
        },
      },
    },
    async (request, reply) => {
      // What can fail before the first byte is an HTTP error; after it, an `error` event.
      const owner = ownerOf(request.principal)
      generation.prepare(request.body, undefined, owner)
      await access.admission.generations(request.principal, [request.body])
      const stream = new EventStream(reply.raw, heartbeatMs)
      generation
        .generate(request.body, {
          emit: stream.send,
          signal: stream.signal,
          requestId: request.id,
          owner,
        })
        .catch((error: unknown) => {
          if (!(error instanceof AppError)) request.log.error({ err: error }, 'generation failed')
          stream.send(errorEvent(error, request.id))
        })
        .finally(() => stream.end())
      return reply
        .type('text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        .send(stream.body as never)
    },
  )
}
