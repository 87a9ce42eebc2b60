import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import FindMyWay, { type HTTPMethod } from 'find-my-way'
import { AppError } from '../errors.js'
import { sendError } from './error-handler.js'

// OPTIONS is left out: CORS answers it on every path, so it says nothing about which paths exist.
const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']

/**
 * Unknown routes answer 404 and known paths called with the wrong method 405 with `Allow`, both
 * in the one error shape. Registered before the routes, whose paths it records as they are added.
 */
export const methodNotAllowedPlugin = fp(
  async (app) => {
    // Fastify answers a wrong method with 404; a second router of paths only tells 405 apart.
    const knownPaths = FindMyWay({ ignoreTrailingSlash: true })
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      for (const method of methods) {
        if (!METHODS.includes(method as HTTPMethod)) continue
        if (!knownPaths.hasRoute(method as HTTPMethod, route.url)) {
          knownPaths.on(method as HTTPMethod, route.url, () => {})
        }
      }
    })

    const notFound = (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0] ?? '/'
      const allowed = METHODS.filter((method) => knownPaths.find(method, path) !== null)
      const error =
        allowed.length > 0
          ? new AppError(
              'APP_ERR_METHOD_NOT_ALLOWED',
              `Method ${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
              { headers: { allow: allowed.join(', ') } },
            )
          : new AppError(
              'APP_ERR_ROUTE_NOT_FOUND',
              `No route ${request.method} ${path}; see /api/docs for the API`,
            )
      return sendError(error, request, reply)
    }
    // Answered before the body is read: an unknown route is a 404 whatever the body holds.
    app.addHook('onRequest', async (request, reply) => {
      if (request.is404) return notFound(request, reply)
    })
    app.setNotFoundHandler(notFound)
  },
  { name: 'method-not-allowed', dependencies: ['error-handler'] },
)
