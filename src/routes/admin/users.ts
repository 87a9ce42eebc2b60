import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { UserLimits } from '../../ports/access-store.js'
import {
  userCreatedSchema,
  userCreateSchema,
  userKeyParamsSchema,
  userListSchema,
  userPatchSchema,
  userViewSchema,
} from '../../schemas/admin.js'
import { apiKeyListSchema, idParamsSchema } from '../../schemas/auth.js'
import { errorResponses } from '../../schemas/error.js'
import { actorOf } from '../actor.js'
import { keyView } from '../keys/key-view.js'
import { userView } from './user-view.js'

/** `limits` of a PATCH applied to a user's overrides: a number sets one, null removes it. */
function patchLimits(
  current: UserLimits,
  patch: Partial<Record<keyof UserLimits, number | null>>,
): UserLimits {
  const limits: UserLimits = { ...current }
  for (const [key, value] of Object.entries(patch) as [keyof UserLimits, number | null][]) {
    if (value === null) delete limits[key]
    else limits[key] = value
  }
  return limits
}

const WHO = 'Administrators only; anyone else gets 403.'

/** `/api/admin/users`: accounts, their roles, budgets and API keys. */
export const adminUserRoutes: FastifyPluginAsyncZod = async (app) => {
  const { users, keys } = app.services.access
  const config = { access: 'admin' as const }

  app.get(
    '/admin/users',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: 'Every user, by name',
        description: WHO,
        response: { 200: userListSchema, ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: (await users.list()).map(userView) }),
  )

  app.post(
    '/admin/users',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: 'Create a user; without a password one is generated and answered once',
        description: `${WHO} A name already taken answers 409 APP_ERR_CONFLICT.`,
        body: userCreateSchema,
        response: { 201: userCreatedSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { name, admin, password } = request.body
      const created = await users.create(
        { name, admin, password: password ?? null, generatePassword: password === undefined },
        actorOf(request),
      )
      return reply.code(201).send({
        user: userView(created.user),
        ...(created.password !== null ? { password: created.password } : {}),
      })
    },
  )

  app.get(
    '/admin/users/:id',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: 'One user',
        description: WHO,
        params: idParamsSchema,
        response: { 200: userViewSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => userView(await users.get(request.params.id)),
  )

  app.patch(
    '/admin/users/:id',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: "Change a user's role, state, budget overrides or password",
        description: `${WHO} Disabling a user, or setting a password, revokes their refresh tokens. Demoting or disabling the last enabled administrator answers 409 APP_ERR_CONFLICT.`,
        params: idParamsSchema,
        body: userPatchSchema,
        response: { 200: userViewSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params
      const { admin, disabled, limits, password } = request.body
      const current = limits === undefined ? undefined : (await users.get(id)).limits
      const updated = await users.update(
        id,
        {
          admin,
          disabled,
          limits: current && limits && patchLimits(current, limits),
          password,
        },
        actorOf(request),
      )
      return userView(updated)
    },
  )

  app.delete(
    '/admin/users/:id',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: 'Delete a user with their API keys and tokens; their generations stay',
        description: `${WHO} Deleting the last enabled administrator answers 409 APP_ERR_CONFLICT.`,
        params: idParamsSchema,
        response: { 204: z.null().describe('Deleted'), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await users.delete(request.params.id, actorOf(request))
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/admin/users/:id/keys',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: "A user's API keys, newest first, revoked ones included",
        description: WHO,
        params: idParamsSchema,
        response: { 200: apiKeyListSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const user = await users.get(request.params.id)
      return { items: (await keys.list(user.id)).map(keyView) }
    },
  )

  app.delete(
    '/admin/users/:id/keys/:keyId',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: "Revoke one of a user's API keys",
        description: `${WHO} A key that is not this user's answers 404.`,
        params: userKeyParamsSchema,
        response: { 204: z.null().describe('Revoked'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await keys.revoke(request.params.id, request.params.keyId, actorOf(request))
      return reply.code(204).send(null)
    },
  )
}
