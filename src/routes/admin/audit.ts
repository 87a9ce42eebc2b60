import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { auditPageSchema, auditQuerySchema, rangeEnd, rangeStart } from '../../schemas/admin.js'
import { errorResponses } from '../../schemas/error.js'

/** `/api/admin/audit`: who changed what and when. */
export const adminAuditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { audit, ownership } = app.services.access

  app.get(
    '/admin/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'The audit trail, newest first: logins, failed logins, users, keys, settings',
        description:
          'Administrators only; anyone else gets 403. Filters: action (login also matches login.failed), user (who acted, by id or name), from and to.',
        querystring: auditQuerySchema,
        response: { 200: auditPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, cursor, action, user, from, to } = request.query
      const page = await audit.list({
        limit,
        cursor,
        action,
        actorId: await ownership.listScope(request.principal, user),
        from: from === undefined ? undefined : rangeStart(from),
        to: to === undefined ? undefined : rangeEnd(to),
      })
      return {
        items: page.items.map((entry) => ({
          id: entry.id,
          at: entry.at,
          actor_id: entry.actorId,
          actor_name: entry.actorName,
          action: entry.action,
          target: entry.target,
          detail: entry.detail,
          ip: entry.ip,
        })),
        next_cursor: page.nextCursor,
      }
    },
  )
}
