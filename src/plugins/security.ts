import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

/** Security headers on every response; CORS only for the origins listed in `CORS_ORIGINS`. */
export const securityPlugin = fp<{ corsOrigins: readonly string[] }>(
  async (app, { corsOrigins }) => {
    // No upgrade-insecure-requests: plain-HTTP deployments on a LAN address must keep working.
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    })
    const allowAll = corsOrigins.includes('*')
    await app.register(cors, {
      origin: allowAll ? true : corsOrigins.length > 0 ? [...corsOrigins] : false,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      exposedHeaders: [
        'x-request-id',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'retry-after',
      ],
      maxAge: 600,
    })
  },
  { name: 'security' },
)
