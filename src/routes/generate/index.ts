import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorResponses } from '../../schemas/error.js'
import {
  batchGenerateRequestSchema,
  batchGenerateResponseSchema,
  generateRequestSchema,
  generationResultSchema,
} from '../../schemas/generation.js'

const headersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .describe('Repeat a request with the same key to get the first result instead of a new one'),
})

export const generateRoutes: FastifyPluginAsyncZod = async (app) => {
  const { generation, config } = app.services
  const maxPromptLength = config.limits.maxPromptLength

  app.post(
    '/generate',
    {
      schema: {
        tags: ['generation'],
        summary: 'Generate code that parses, with tests, documentation and metrics',
        headers: headersSchema,
        body: generateRequestSchema(maxPromptLength),
        response: {
          200: generationResultSchema,
          ...errorResponses(400, 422, 502, 503, 504),
        },
      },
    },
    async (request, reply) => {
      const { result, replayed } = await generation.generate(request.body, {
        idempotencyKey: request.headers['idempotency-key'],
      })
      if (replayed) void reply.header('idempotent-replayed', 'true')
      // Sent as text: the result was built to the schema, and a second validation costs time.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(result) as never)
    },
  )

  app.post(
    '/generate/batch',
    {
      schema: {
        tags: ['generation'],
        summary:
          'Up to 20 generations, BATCH_CONCURRENCY at a time; one failing never fails the others',
        body: batchGenerateRequestSchema(maxPromptLength),
        response: { 200: batchGenerateResponseSchema, ...errorResponses(400, 503) },
      },
    },
    async (request, reply) => {
      const results = await generation.generateBatch(request.body.requests)
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
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(body) as never)
    },
  )
}
