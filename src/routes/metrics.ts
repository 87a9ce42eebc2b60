import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

export const metricsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { registry } = app.services.metrics
  app.get(
    '/metrics',
    {
      config: { rateLimit: false, access: 'metrics' },
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics (text exposition format)',
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType)
      return registry.metrics()
    },
  )
}
