import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { RateLimitedError } from '../errors.js'

/**
 * Per-client-IP limit with the IETF `RateLimit-*` headers. Routes opt out with
 * `config: { rateLimit: false }` (health probes and metrics scrapes). `max: 0` turns it off.
 */
export const rateLimitPlugin = fp<{ max: number; windowMs: number }>(
  async (app, { max, windowMs }) => {
    if (max === 0) return
    await app.register(rateLimit, {
      global: true,
      max,
      timeWindow: windowMs,
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) =>
        new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000)), max, windowMs),
    })
  },
  { name: 'rate-limit' },
)
