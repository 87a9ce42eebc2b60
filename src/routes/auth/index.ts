import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  loginRequestSchema,
  meSchema,
  refreshRequestSchema,
  tokenPairSchema,
} from '../../schemas/auth.js'
import { errorResponses } from '../../schemas/error.js'
import { actorOf } from '../actor.js'

/** Login takes a name and a password: nothing near the general BODY_LIMIT is a login. */
const LOGIN_BODY_LIMIT = 4096

/**
 * `/api/auth`: trading a name and password for tokens, refreshing and revoking them, and who a
 * credential proves. Every answer is `Cache-Control: no-store`: most carry a token.
 */
export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const { auth, budgets, settings } = app.services.access

  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  app.post(
    '/auth/login',
    {
      bodyLimit: LOGIN_BODY_LIMIT,
      config: { access: 'public', bodyLimitSetting: null },
      schema: {
        tags: ['auth'],
        summary: 'Log in with a name and password: an access token and a refresh token',
        description:
          'Anyone may call it. The access token is a JWT to send as Authorization: Bearer; the refresh token trades for a new pair at POST /api/auth/refresh. A wrong password and an unknown or disabled user answer the same 401. Failed logins are limited per user and per client address (LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_IP in LOGIN_WINDOW): beyond them 429. With AUTH=off there is nobody to log in: 409.',
        body: loginRequestSchema,
        response: { 200: tokenPairSchema, ...errorResponses(400, 401, 409, 413) },
      },
    },
    async (request) => auth.login(request.body.name, request.body.password, request.ip),
  )

  app.post(
    '/auth/refresh',
    {
      bodyLimit: LOGIN_BODY_LIMIT,
      config: { access: 'public', bodyLimitSetting: null },
      schema: {
        tags: ['auth'],
        summary: 'Trade a refresh token for a new access token and refresh token',
        description:
          'Anyone holding a live refresh token may call it. The token given is spent: the answer carries its successor. Presenting a spent token again revokes every token of that login (reuse detection), and answers 401. With AUTH=off: 409.',
        body: refreshRequestSchema,
        response: { 200: tokenPairSchema, ...errorResponses(400, 401, 409, 413) },
      },
    },
    async (request) => auth.refresh(request.body.refresh_token, request.ip),
  )

  app.post(
    '/auth/logout',
    {
      bodyLimit: LOGIN_BODY_LIMIT,
      config: { access: 'public', bodyLimitSetting: null },
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token',
        description:
          'Anyone holding a refresh token may call it. The token stops working at once; access tokens already issued work until they expire (JWT_ACCESS_TTL). Answers 204 for an unknown or spent token too.',
        body: refreshRequestSchema,
        response: { 204: z.null().describe('Revoked'), ...errorResponses(400, 413) },
      },
    },
    async (request, reply) => {
      await auth.logout(request.body.refresh_token, actorOf(request))
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/auth/me',
    {
      config: { access: 'user' },
      schema: {
        tags: ['auth'],
        summary:
          'Who the credential proves, what is left of their budgets, and the settings that shape a request',
        description:
          'Any user may call it, about themselves. With AUTH=off there are no users: the answer says auth off, and the anonymous client may do everything.',
        response: { 200: meSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const principal = request.principal
      const left = await budgets.remaining(principal)
      const { default_model, allowed_models, max_prompt_length, verify_default } =
        settings.current()
      const shaping = { default_model, allowed_models, max_prompt_length, verify_default }
      if (principal === null || left === null) {
        return {
          auth: 'off' as const,
          id: null,
          name: null,
          admin: true as const,
          settings: shaping,
        }
      }
      return {
        auth: 'on' as const,
        id: principal.id,
        name: principal.name,
        admin: principal.admin,
        via: principal.via,
        limits: principal.limits,
        budgets: left,
        settings: shaping,
      }
    },
  )
}
