import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { RateLimitedError } from '../errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts one more request of `request`'s client against the rate limit, in the same store
     * and under the same key as its HTTP requests (a WebSocket message is a request too).
     * Resolves with the error to answer when the client is over its limit.
     */
    countRequest(request: FastifyRequest): Promise<RateLimitedError | undefined>
  }
}

/** The rate limit as the runtime settings say now: requests per window, 0 for none. */
export interface RateLimitSettings {
  requests: number
  windowMs: number
}

// A bound far above any configured limit stands for "no limit" while the setting is 0.
const UNLIMITED = Number.MAX_SAFE_INTEGER

/**
 * Per-client limit with the IETF `RateLimit-*` headers: per user when the request carries a
 * credential (`AUTH=on`), else per client IP. The limit is read at each request from the runtime
 * settings, so an administrator's change applies at once. Routes opt out with
 * `config: { rateLimit: false }` (health probes and metrics scrapes).
 */
export const rateLimitPlugin = fp<{ current: () => RateLimitSettings; keyPrefix: string }>(
  async (app, { current, keyPrefix }) => {
    const { redis } = app.services
    const limited = (ttlMs: number) => {
      const { requests, windowMs } = current()
      return new RateLimitedError(Math.max(1, Math.ceil(ttlMs / 1000)), requests, windowMs)
    }
    await app.register(rateLimit, {
      global: true,
      // With Redis, every API process counts against the same limit; an outage lets requests through.
      ...(redis ? { redis, nameSpace: `${keyPrefix}rate-limit:`, skipOnError: true } : {}),
      max: () => current().requests || UNLIMITED,
      timeWindow: () => current().windowMs,
      allowList: () => current().requests === 0,
      keyGenerator: (request) => (request.principal ? `user:${request.principal.id}` : request.ip),
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) => limited(context.ttl),
    })
    // Without options, the limiter shares the global store and key with every route.
    const check = app.createRateLimit()
    app.decorate('countRequest', async (request: FastifyRequest) => {
      if (current().requests === 0) return undefined
      const outcome = await check(request)
      return !outcome.isAllowed && outcome.isExceeded ? limited(outcome.ttl) : undefined
    })
  },
  { name: 'rate-limit', dependencies: ['container', 'auth'] },
)
