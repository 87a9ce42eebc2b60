import Fastify, { LogController, type FastifyInstance, type RouteOptions } from 'fastify'
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import type { Config } from './config.js'
import { authPlugin } from './plugins/auth.js'
import { containerPlugin, type AppDependencies } from './plugins/container.js'
import { docsPlugin } from './plugins/docs.js'
import {
  clientErrorHandler,
  errorHandlerPlugin,
  fromRequestError,
  sendError,
} from './plugins/error-handler.js'
import { lifecyclePlugin } from './plugins/lifecycle.js'
import { methodNotAllowedPlugin } from './plugins/method-not-allowed.js'
import { rateLimitPlugin } from './plugins/rate-limit.js'
import { requestIdFor, requestIdPlugin } from './plugins/request-id.js'
import { requestLogPlugin } from './plugins/request-log.js'
import { securityPlugin } from './plugins/security.js'
import { webUiPlugin } from './plugins/web-ui.js'
import { webDir } from './paths.js'
import { redact, REDACTED, registerSecrets } from './redact.js'
import { adminRoutes } from './routes/admin/index.js'
import { analyzeRoutes } from './routes/analyze/index.js'
import { authRoutes } from './routes/auth/index.js'
import { keyRoutes } from './routes/keys/index.js'
import { generateRoutes } from './routes/generate/index.js'
import { generationRoutes } from './routes/generations/index.js'
import { healthRoutes } from './routes/health.js'
import { jobRoutes } from './routes/jobs/index.js'
import { languageRoutes } from './routes/languages/index.js'
import { metricsRoutes } from './routes/metrics.js'
import { verifyRoutes } from './routes/verify/index.js'
import { wsRoutes } from './routes/ws/index.js'

export interface BuildOptions extends AppDependencies {
  /** Where log lines go instead of stdout (tests read them). */
  logDestination?: NodeJS.WritableStream
  /** Sees every route as it is declared (the tests check each answer against its schemas). */
  onRoute?: (route: RouteOptions) => void
  /** Where the built web UI is, instead of `dist/web` (the browser tests build their own). */
  webRoot?: string
}

/** Paths Pino blanks out wherever they appear in a logged object. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.prompt',
  'prompt',
  'llm.apiKey',
  'config.llm.apiKey',
]

function loggerOptions(config: Config, destination?: NodeJS.WritableStream) {
  return {
    level: config.log.level,
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    // The paths above blank known fields; this catches a secret anywhere else in a line (an
    // error message quoting an upstream, a stack, a URL) before the line is written.
    hooks: { streamWrite: (line: string) => redact(line) },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    ...(destination ? { stream: destination } : {}),
    ...(config.log.pretty && !destination
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } } }
      : {}),
  }
}

/**
 * Builds the application for `config`: plugins first, then routes, in one readable list.
 * Tests call it with overrides and use `inject()` or `listen({ port: 0 })`.
 */
export async function buildApp(
  config: Config,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  const { logDestination, onRoute, webRoot, ...dependencies } = options
  const { server } = config
  registerSecrets(config.secrets)
  const app = Fastify({
    logger: loggerOptions(config, logDestination),
    // request-log writes the one line per request; Fastify's own pair of lines is turned off.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    requestIdHeader: false,
    genReqId: requestIdFor,
    bodyLimit: server.bodyLimit,
    trustProxy: server.trustProxy,
    // A client gets REQUEST_TIMEOUT_MS to send its whole request, and less for the headers.
    requestTimeout: server.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(server.requestTimeoutMs, 15_000),
      connectionsCheckingInterval: Math.min(1000, server.requestTimeoutMs),
      // Node would answer a missing Host with an empty 400; the error-handler answers it instead.
      requireHostHeader: false,
    },
    keepAliveTimeout: 5000,
    return503OnClosing: false,
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: (error, request, reply) =>
      sendError(fromRequestError(error, { bodyLimit: server.bodyLimit, request }), request, reply),
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  if (onRoute) app.addHook('onRoute', onRoute)

  await app.register(containerPlugin, { config, dependencies })
  await app.register(errorHandlerPlugin, { bodyLimit: server.bodyLimit })
  await app.register(methodNotAllowedPlugin)
  await app.register(lifecyclePlugin)
  await app.register(requestIdPlugin)
  await app.register(requestLogPlugin)
  await app.register(securityPlugin, { corsOrigins: server.corsOrigins })
  // Before the docs and the routes: it checks each route as it is declared, and before the rate
  // limit, which counts per user.
  await app.register(authPlugin, {
    mode: config.auth.mode,
    docsPrefix: `${server.apiPrefix}/docs`,
    metricsToken: config.auth.metricsToken,
    authenticate: (credential) => app.services.access.auth.authenticate(credential),
  })
  await app.register(docsPlugin, { apiPrefix: server.apiPrefix, auth: config.auth.mode === 'on' })
  const { settings } = app.services.access
  await app.register(rateLimitPlugin, {
    current: () => {
      const { requests, window_ms } = settings.current().rate_limit
      return { requests, windowMs: window_ms }
    },
    keyPrefix: config.redis.keyPrefix,
  })

  await app.register(healthRoutes, { prefix: server.apiPrefix })
  await app.register(authRoutes, { prefix: server.apiPrefix })
  await app.register(keyRoutes, { prefix: server.apiPrefix })
  await app.register(adminRoutes, { prefix: server.apiPrefix })
  await app.register(languageRoutes, { prefix: server.apiPrefix })
  await app.register(analyzeRoutes, { prefix: server.apiPrefix })
  await app.register(generateRoutes, { prefix: server.apiPrefix })
  await app.register(generationRoutes, { prefix: server.apiPrefix })
  await app.register(jobRoutes, { prefix: server.apiPrefix })
  await app.register(verifyRoutes, { prefix: server.apiPrefix })
  await app.register(wsRoutes, { prefix: server.apiPrefix })
  await app.register(metricsRoutes)
  await app.register(webUiPlugin, { root: webRoot ?? webDir })

  return app
}
