import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorResponses } from '../../schemas/error.js'
import {
  liveSettingsSchema,
  settingsDescriptionSchema,
  settingsPatchSchema,
} from '../../schemas/settings.js'
import { actorOf } from '../actor.js'

/** `/api/admin/settings`: what every API and worker process applies, changed without a restart. */
export const adminSettingsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { settings } = app.services.access
  const config = { access: 'admin' as const }

  app.get(
    '/admin/settings',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: 'The runtime settings: as applied now, their starting values, which are stored',
        description:
          'Administrators only; anyone else gets 403. Secrets (keys, passwords, JWT_SECRET) are not settings and never appear here.',
        response: { 200: settingsDescriptionSchema, ...errorResponses(401, 403) },
      },
    },
    async () => settings.describe(),
  )

  app.patch(
    '/admin/settings',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: 'Change runtime settings; every process applies them within seconds',
        description:
          'Administrators only; anyone else gets 403. A merge patch: absent settings stay, null puts one back to its value from the environment. Stored in the database, so every API and worker process applies it within SETTINGS_REFRESH_MS; this process at once. Answers the settings as they now are.',
        body: settingsPatchSchema,
        response: { 200: liveSettingsSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => settings.update(request.body, actorOf(request)),
  )
}
