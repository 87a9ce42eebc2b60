import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorResponses } from '../../schemas/error.js'
import { usageQuerySchema, usageReportSchema } from '../../schemas/settings.js'

/** `/api/admin/usage`: what users spent, for budgets and bills. */
export const adminUsageRoutes: FastifyPluginAsyncZod = async (app) => {
  const { usage, ownership } = app.services.access

  app.get(
    '/admin/usage',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Tokens, generations, verification runs and estimated cost by day, user and model',
        description:
          'Administrators only; anyone else gets 403. from and to take a day (YYYY-MM-DD, UTC; to includes that whole day) or an ISO-8601 time; the period is at most 366 days, 30 by default, ending now. user takes an id or a name. Costs come from the prices setting (PATCH /api/admin/settings), at today’s prices.',
        querystring: usageQuerySchema,
        response: { 200: usageReportSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { from, to, user } = request.query
      return usage.report({ from, to, userId: await ownership.listScope(request.principal, user) })
    },
  )
}
