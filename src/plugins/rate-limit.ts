import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { RateLimitedError } from '../errors.js'

/**
 * Per-client-IP limit with the IETF `RateLimit-*` headers. Routes opt out with
 * `config: { rateLimit: false }` (health probes and metrics scrapes). `max: 0` turns it off.
 */
export const rateLimitPlugin = fp<{ max: number; windowMs: number; keyPrefix: string }>(
  async (app, { max, windowMs, keyPrefix }) => {
    if (max === 0) return
    const { redis } = app.services
    await app.register(rateLimit, {
      global: true,
      // With Redis, every API process counts against the same limit; an outage lets requests through.
      ...(redis ? { redis, nameSpace: `${keyPrefix}rate-limit:`, skipOnError: true } : {}),
      max,
      timeWindow: windowMs,
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) =>
        new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000)), max, windowMs),
    })
  },
  { name: 'rate-limit', dependencies: ['container'] },
)
