import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { healthResponseSchema } from '../schemas/health.js'

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      config: { rateLimit: false, access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Service health and the state of each backing component',
        description:
          'HTTP 200 while healthy or degraded, 503 when unhealthy. The model provider is probed at most once per LLM_HEALTH_INTERVAL_MS (default one minute) with a free model-list request.',
        response: { 200: healthResponseSchema, 503: healthResponseSchema },
      },
    },
    async (_request, reply) => {
      const report = await app.services.health.report()
      return reply.code(report.status === 'unhealthy' ? 503 : 200).send(report as never)
    },
  )
}
