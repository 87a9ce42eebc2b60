import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ForbiddenError } from '../../errors.js'
import {
  apiKeyCreatedSchema,
  apiKeyCreateSchema,
  apiKeyListSchema,
  idParamsSchema,
} from '../../schemas/auth.js'
import { errorResponses } from '../../schemas/error.js'
import type { Principal } from '../../services/access/principal.js'
import { actorOf } from '../actor.js'
import { keyView } from './key-view.js'

const DAY_MS = 24 * 60 * 60 * 1000

/** The user whose keys these are; with `AUTH=off` there is none to own one. */
function owner(request: FastifyRequest): Principal {
  if (request.principal === null) {
    throw new ForbiddenError('API keys belong to users: they need AUTH=on')
  }
  return request.principal
}

/**
 * `/api/keys`: a user's own API keys, for programs. The key is answered once, when created; only
 * its hash is kept. Every answer is `Cache-Control: no-store`.
 */
export const keyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { access, clock } = app.services

  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  app.get(
    '/keys',
    {
      config: { access: 'user' },
      schema: {
        tags: ['keys'],
        summary: 'Your API keys, newest first, revoked ones included',
        description:
          'Any user may call it, for their own keys (an administrator sees a user’s keys at GET /api/admin/users/{id}/keys). The keys themselves are not kept: each shows its prefix. With AUTH=off: 403.',
        response: { 200: apiKeyListSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ items: (await access.keys.list(owner(request).id)).map(keyView) }),
  )

  app.post(
    '/keys',
    {
      config: { access: 'user' },
      schema: {
        tags: ['keys'],
        summary: 'Create an API key; the answer shows it, this once',
        description:
          'Any user may call it, for themselves. Send the key as X-API-Key or Authorization: Bearer; it acts as its user. Keep it: it is never shown again. A user holds at most 100 live keys (beyond: 409). With AUTH=off: 403.',
        body: apiKeyCreateSchema,
        response: { 201: apiKeyCreatedSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { name, expires_in_days: days } = request.body
      const expiresAt = days === undefined ? null : new Date(clock.now() + days * DAY_MS)
      const { key, entry } = await access.keys.create(
        owner(request).id,
        { name, expiresAt: expiresAt?.toISOString() ?? null },
        actorOf(request),
      )
      return reply.code(201).send({
        key,
        id: entry.id,
        name: entry.name,
        prefix: entry.prefix,
        created_at: entry.createdAt,
        expires_at: entry.expiresAt,
      })
    },
  )

  app.delete(
    '/keys/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke one of your API keys',
        description:
          'Any user may call it, for their own keys: someone else’s key answers 404, as an unknown one. A revoked key fails at once. With AUTH=off: 403.',
        params: idParamsSchema,
        response: { 204: z.null().describe('Revoked'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await access.keys.revoke(owner(request).id, request.params.id, actorOf(request))
      return reply.code(204).send(null)
    },
  )
}
