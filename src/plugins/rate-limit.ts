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

/**
 * Per-client-IP limit with the IETF `RateLimit-*` headers. Routes opt out with
 * `config: { rateLimit: false }` (health probes and metrics scrapes). `max: 0` turns it off.
 */
export const rateLimitPlugin = fp<{ max: number; windowMs: number; keyPrefix: string }>(
  async (app, { max, windowMs, keyPrefix }) => {
    if (max === 0) {
      app.decorate('countRequest', async () => undefined)
      return
    }
    const { redis } = app.services
    const limited = (ttlMs: number) =>
      new RateLimitedError(Math.max(1, Math.ceil(ttlMs / 1000)), max, windowMs)
    await app.register(rateLimit, {
      global: true,
      // With Redis, every API process counts against the same limit; an outage lets requests through.
      ...(redis ? { redis, nameSpace: `${keyPrefix}rate-limit:`, skipOnError: true } : {}),
      max,
      timeWindow: windowMs,
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) => limited(context.ttl),
    })
    // Without options, the limiter shares the global store and key with every route.
    const check = app.createRateLimit()
    app.decorate('countRequest', async (request: FastifyRequest) => {
      const outcome = await check(request)
      return !outcome.isAllowed && outcome.isExceeded ? limited(outcome.ttl) : undefined
    })
  },
  { name: 'rate-limit', dependencies: ['container'] },
)
