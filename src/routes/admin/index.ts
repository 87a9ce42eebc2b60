import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { adminAuditRoutes } from './audit.js'
import { adminSettingsRoutes } from './settings.js'
import { adminUsageRoutes } from './usage.js'
import { adminUserRoutes } from './users.js'

/**
 * `/api/admin`: users, usage, runtime settings and the audit trail. Every route is for
 * administrators (the auth plugin answers 403 to anyone else). Nothing here is cached: it names
 * users, and a created user's password is in the answer once.
 */
export const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })
  await app.register(adminUserRoutes)
  await app.register(adminUsageRoutes)
  await app.register(adminSettingsRoutes)
  await app.register(adminAuditRoutes)
}
