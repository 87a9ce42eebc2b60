import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError, ForbiddenError, UnauthenticatedError } from '../errors.js'
import { errorResponseSchema } from '../schemas/error.js'
import type { Principal, Viewer } from '../services/access/principal.js'

/**
 * Who may call a route: anyone (`public`), any user (`user`), administrators (`admin`), or the
 * holder of `METRICS_TOKEN` (`metrics`, anyone while it is unset). Every route declares one; a
 * route without one stops the server at start, so a new route can never be open by mistake.
 */
export type RouteAccess = 'public' | 'user' | 'admin' | 'metrics'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess
    /**
     * Whether the credential may also come as `?access_token=`: for the WebSocket and event
     * streams, which a browser opens without headers of its own. Never logged (the request log
     * drops the query string).
     */
    queryToken?: boolean
  }
  interface FastifyRequest {
    /** The authenticated user; null with `AUTH=off` and on public routes. */
    principal: Viewer
    /** Why the credential was refused, kept until the rate limit has counted the request. */
    authError: AppError | null
    /**
     * Checks the request's credential again, for a connection that outlives the request (a
     * WebSocket): null when there is none to check (`AUTH=off`, a public route).
     * @throws UnauthenticatedError once it has expired, been revoked or its user disabled
     */
    recheck: (() => Promise<Principal>) | null
  }
}

export interface AuthPluginOptions {
  mode: 'off' | 'on'
  /** `<prefix>/docs`: the explorer's pages and assets are public, like the document itself. */
  docsPrefix: string
  metricsToken: string | null
  authenticate: (credential: string) => Promise<Principal>
}

const ROUTE_ACCESS: readonly RouteAccess[] = ['public', 'user', 'admin', 'metrics']

/** The credential of a request: `Authorization: Bearer …`, `X-API-Key`, or `?access_token=`. */
function credentialOf(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization
  if (authorization !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)
    return match?.[1] ?? ''
  }
  const apiKey = request.headers['x-api-key']
  if (typeof apiKey === 'string') return apiKey.trim()
  if (request.routeOptions.config.queryToken) {
    const token = (request.query as Record<string, unknown> | undefined)?.access_token
    if (typeof token === 'string') return token
  }
  return null
}

/** Compares digests, so neither the length nor the first differing byte shows in the timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/**
 * Authentication and function-level authorization (OWASP API5) for every route. The credential
 * is read in `onRequest`, before the rate limit, which then counts per user; a refusal is
 * answered in `preParsing`, after the rate limit has counted it and before any body is read.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, { mode, docsPrefix, metricsToken, authenticate }) => {
    app.decorateRequest('principal', null)
    app.decorateRequest('authError', null)
    app.decorateRequest('recheck', null)

    app.addHook('onRoute', (route) => {
      const config = (route.config ?? {}) as { access?: RouteAccess }
      if (config.access === undefined && route.url.startsWith(docsPrefix)) {
        route.config = { ...route.config, access: 'public' }
      } else if (!ROUTE_ACCESS.includes(config.access as RouteAccess)) {
        throw new Error(
          `Route ${String(route.method)} ${route.url} declares no config.access (one of ${ROUTE_ACCESS.join(', ')})`,
        )
      }
      const { schema } = route
      if (!schema) return
      // In OpenAPI, the global requirement applies to every route but the public ones, which
      // alone never answer 401 (and only admin routes 403). Changed in place: whoever saw the
      // route before (the tests' response check) holds the same objects.
      const access = route.config?.access as RouteAccess
      if (access === 'public') {
        schema.security = []
      } else if (schema.response) {
        const response = schema.response as Record<number, unknown>
        for (const status of access === 'admin' ? [401, 403] : [401]) {
          response[status] ??= errorResponseSchema
        }
      }
    })

    app.addHook('onRequest', async (request) => {
      if (request.is404) return
      const access = request.routeOptions.config.access
      if (access === 'metrics') {
        if (metricsToken !== null && !sameSecret(credentialOf(request) ?? '', metricsToken)) {
          request.authError = new UnauthenticatedError(
            '/metrics needs METRICS_TOKEN as a Bearer token',
          )
        }
        return
      }
      if (mode === 'off' || access === 'public') return
      const credential = credentialOf(request)
      if (!credential) {
        request.authError = new UnauthenticatedError(undefined, credential === '')
        return
      }
      try {
        request.principal = await authenticate(credential)
        request.recheck = () => authenticate(credential)
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        request.authError = error
        return
      }
      if (access === 'admin' && !request.principal.admin) {
        request.authError = new ForbiddenError(
          `${request.method} ${request.routeOptions.url} is for administrators`,
        )
      }
    })

    const { authRefusals } = app.services.metrics
    app.addHook('preParsing', async (request) => {
      if (!request.authError) return
      authRefusals.inc({
        reason: request.authError.status === 403 ? 'forbidden' : 'unauthenticated',
      })
      throw request.authError
    })
  },
  { name: 'auth', dependencies: ['container'] },
)
