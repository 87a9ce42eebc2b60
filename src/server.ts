import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { ConfigError, isLoopbackHost, loadConfig, type Config } from './config.js'

export interface RunningServer {
  app: FastifyInstance
  /** Where the server listens, e.g. `http://127.0.0.1:8000`. */
  url: string
  /** Drains and closes; resolves true when everything finished before the deadline. */
  shutdown(reason: string): Promise<boolean>
}

/** Builds the app, listens, and returns a handle whose `shutdown` drains gracefully. */
export async function startServer(config: Config): Promise<RunningServer> {
  const app = await buildApp(config)
  const url = await app.listen({ host: config.server.host, port: config.server.port })
  if (config.auth.mode === 'off' && !isLoopbackHost(config.server.host)) {
    app.log.warn(
      { host: config.server.host },
      'AUTH=off on an address other machines can reach: anyone who reaches the port can generate, read every history entry and change the settings',
    )
  }
  app.log.info(
    {
      url,
      docs: `${url}${config.server.apiPrefix}/docs`,
      database: config.database.kind,
      llm_provider: config.llm.provider ?? 'not configured',
      queue: config.redis.url ? 'bullmq' : 'database',
      worker_concurrency: config.jobs.workerConcurrency,
    },
    'server listening',
  )
  return { app, url, shutdown: drainer(app, config) }
}

/**
 * Builds the app without its HTTP API, for a process that only runs jobs (`verigen worker`): the
 * worker inside it takes jobs from the queue until SIGTERM. With `WORKER_PORT` it answers
 * `GET /metrics` and `GET /api/health` there, and nothing else, for monitoring.
 */
export async function startWorker(config: Config): Promise<RunningServer> {
  const app = await buildApp(config)
  await app.ready()
  const port = config.jobs.workerPort
  const probe = port === null ? null : await listenProbe(app, config.server.host, port)
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host
  const url = probe ? `http://${host}:${(probe.address() as AddressInfo).port}` : ''
  app.log.info(
    {
      worker_id: app.services.worker?.id,
      concurrency: config.jobs.workerConcurrency,
      queue: config.redis.url ? 'bullmq' : 'database',
      database: config.database.kind,
      llm_provider: config.llm.provider ?? 'not configured',
      ...(probe ? { metrics: `${url}/metrics`, health: `${url}/api/health` } : {}),
    },
    'worker started',
  )
  const drain = drainer(app, config)
  // Health stays answerable while the worker drains; the probe closes last.
  const shutdown = async (reason: string) => {
    const drained = await drain(reason)
    await new Promise((resolve) => (probe ? probe.close(resolve) : resolve(null)))
    return drained
  }
  return { app, url, shutdown }
}

/**
 * The worker's monitoring port: its metrics and its health report, answered by the app's own
 * routes (so `METRICS_TOKEN` holds here as on the API), and nothing else.
 */
async function listenProbe(app: FastifyInstance, host: string, port: number): Promise<Server> {
  const probe = createServer((request, response) => {
    const path = request.url?.split('?')[0] ?? ''
    const answer = async () => {
      if (request.method !== 'GET' || !['/metrics', '/api/health'].includes(path)) {
        response.statusCode = 404
        return response.end()
      }
      const { authorization } = request.headers
      const reply = await app.inject({
        method: 'GET',
        url: path === '/api/health' ? `${app.services.config.server.apiPrefix}/health` : path,
        headers: authorization === undefined ? {} : { authorization },
      })
      response.statusCode = reply.statusCode
      for (const name of ['content-type', 'www-authenticate']) {
        const value = reply.headers[name]
        if (value !== undefined) response.setHeader(name, value)
      }
      response.end(reply.rawPayload)
    }
    answer().catch((error: unknown) => {
      app.log.error({ err: error }, 'worker probe failed')
      response.statusCode = 500
      response.end()
    })
  })
  // Nothing to read from a client: headers alone, quickly.
  probe.headersTimeout = 5000
  probe.requestTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject)
    probe.listen(port, host, () => resolve())
  })
  return probe
}

/** A shutdown that drains the app, closing what is still open once SHUTDOWN_TIMEOUT_MS passes. */
function drainer(app: FastifyInstance, config: Config): RunningServer['shutdown'] {
  let closing: Promise<boolean> | null = null
  const shutdown = (reason: string) => {
    closing ??= (async () => {
      app.log.info({ reason, deadline_ms: config.server.shutdownTimeoutMs }, 'shutting down')
      let timedOut = false
      // Past the deadline, requests still running lose their sockets so that close() can finish.
      const deadline = setTimeout(() => {
        timedOut = true
        app.log.warn(
          { deadline_ms: config.server.shutdownTimeoutMs },
          'shutdown deadline passed; closing open connections',
        )
        app.server.closeAllConnections()
      }, config.server.shutdownTimeoutMs)
      try {
        await app.close()
      } finally {
        clearTimeout(deadline)
      }
      app.log.info({ timed_out: timedOut }, 'server stopped')
      return !timedOut
    })()
    return closing
  }
  return shutdown
}

/**
 * The process entry: configuration errors are printed one per line (no stack trace) and exit 1;
 * SIGTERM or SIGINT drains and exits 0; a second signal exits at once.
 */
export async function runServer(
  overrides: Partial<Record<string, string>> = {},
  start: (config: Config) => Promise<RunningServer> = startServer,
): Promise<void> {
  let config: Config
  try {
    // A worker serves no API, so there is nothing for AUTH to guard: its monitoring port answers
    // /api/health, public everywhere, and /metrics, which keeps METRICS_TOKEN.
    const role = start === startWorker ? { AUTH: 'off' } : {}
    config = loadConfig({ ...process.env, ...overrides, ...role })
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
  let server: RunningServer
  try {
    if (start === startWorker && config.jobs.workerConcurrency === 0) {
      console.error('verigen: a worker needs WORKER_CONCURRENCY (or --concurrency) of at least 1')
      process.exit(1)
    }
    server = await start(config)
  } catch (error) {
    console.error(`verigen: cannot start: ${(error as Error).message}`)
    process.exit(1)
  }
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1
    if (signals > 1) process.exit(1)
    void server.shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runServer()
}
