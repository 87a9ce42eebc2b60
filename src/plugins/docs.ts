import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { version } from '../paths.js'
import { errorResponseSchema } from '../schemas/error.js'

type TransformArguments = Parameters<typeof jsonSchemaTransform>[0]

/**
 * Statuses any route may answer before its handler runs, added to what the route declares:
 * 400 (a malformed URL or parameter), 431 (headers too large) and, where a body may come,
 * 413 (too large) and 415 (not JSON). Schema fuzzing checks every answer against this list.
 */
function withTransportErrors(document: TransformArguments): TransformArguments {
  const { schema, route } = document
  if (!schema?.response || !route) return document
  const methods = [route.method].flat()
  const carriesBody = methods.some((method) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method))
  const response = { ...(schema.response as Record<number, unknown>) }
  for (const status of [400, 431, ...(carriesBody ? [413, 415] : [])]) {
    response[status] ??= errorResponseSchema
  }
  return { ...document, schema: { ...schema, response } }
}

/**
 * Self-hosted instances are often reached over plain HTTP on a LAN address, where this directive
 * would make the browser fetch the page's scripts over HTTPS and fail.
 */
function withoutUpgradeInsecureRequests(header: string): string {
  return header.replace(/\s*upgrade-insecure-requests;?/g, '')
}

/**
 * The one `<style>` element swagger-ui's bundle (5.x, in @fastify/swagger-ui 6.1.3) inserts at
 * run time, which the hashes @fastify/swagger-ui lists leave out: without it the browser blocks
 * it and reports a violation. A hash, not 'unsafe-inline' (which hashes would disable anyway);
 * the browser tests fail if an upgrade changes it.
 */
const SWAGGER_RUNTIME_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"

/** The explorer's policy as this service serves it. */
function docsPolicy(header: string): string {
  return withoutUpgradeInsecureRequests(header).replace(
    /style-src ([^;]*)/,
    (_directive, sources: string) => `style-src ${sources.trim()} ${SWAGGER_RUNTIME_STYLE}`,
  )
}

/**
 * OpenAPI 3.1, generated from the same zod schemas that validate requests and responses,
 * at `<prefix>/openapi.json`, with the interactive explorer at `<prefix>/docs`.
 */
export const docsPlugin = fp<{ apiPrefix: string; auth: boolean }>(
  async (app, { apiPrefix, auth }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Verigen API',
          version,
          description:
            'AI code generation that verifies what it returns, and code analysis for sixteen languages. Every error has the shape of the ErrorResponse schema.',
          license: { name: 'MIT', identifier: 'MIT' },
        },
        tags: [
          { name: 'system', description: 'Health, metrics and documentation' },
          { name: 'languages', description: 'Supported programming languages' },
          { name: 'analysis', description: 'Static analysis of source code' },
          {
            name: 'generation',
            description: 'Code, tests and documentation from a plain-language request, verified',
          },
          {
            name: 'jobs',
            description: 'Generations queued for workers: follow, cancel and retry them',
          },
          { name: 'history', description: 'Past generations' },
          { name: 'auth', description: 'Log in, refresh and log out' },
          { name: 'keys', description: "API keys of one's own programs" },
          {
            name: 'admin',
            description: 'Users, usage, runtime settings and the audit trail (administrators)',
          },
          {
            name: 'verification',
            description: 'Tests run against code in the sandbox, without a model',
          },
        ],
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description:
                "An access token from POST /api/auth/login (a JWT), an external issuer's token (JWT_JWKS_URL), or an API key (vg_…)",
            },
            apiKey: {
              type: 'apiKey',
              in: 'header',
              name: 'X-API-Key',
              description: 'An API key (vg_…) from POST /api/keys or verigen keys create',
            },
          },
        },
        // With AUTH=off no route asks for a credential; public routes say `security: []` anyway.
        ...(auth ? { security: [{ bearer: [] }, { apiKey: [] }] } : {}),
      },
      transform: (document) => jsonSchemaTransform(withTransportErrors(document)),
      transformObject: jsonSchemaTransformObject,
    })
    await app.register(swaggerUi, {
      routePrefix: `${apiPrefix}/docs`,
      staticCSP: true,
      transformStaticCSP: docsPolicy,
    })
    app.get(
      `${apiPrefix}/openapi.json`,
      {
        config: { rateLimit: false, access: 'public' },
        schema: { tags: ['system'], summary: 'The OpenAPI 3.1 document of this API' },
      },
      async () => app.swagger(),
    )
  },
  { name: 'docs' },
)
