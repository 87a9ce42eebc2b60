import fp from 'fastify-plugin'

/**
 * One log line and one metrics sample per request. The line carries sizes, never bodies or
 * headers, so prompts, code and credentials stay out of the logs.
 */
export const requestLogPlugin = fp(
  async (app) => {
    const { httpRequests, httpRequestDuration } = app.services.metrics

    app.addHook('onResponse', async (request, reply) => {
      // The route template (`/api/generations/:id`), not the URL, keeps label cardinality bounded.
      const route = request.routeOptions.url ?? '(unmatched)'
      const statusCode = reply.statusCode
      const durationMs = reply.elapsedTime
      const labels = { method: request.method, route, status_code: String(statusCode) }
      httpRequests.inc(labels)
      httpRequestDuration.observe(labels, durationMs / 1000)
      request.log.info(
        {
          method: request.method,
          route,
          path: request.url.split('?')[0],
          status_code: statusCode,
          duration_ms: Math.round(durationMs * 100) / 100,
          request_bytes: Number(request.headers['content-length'] ?? 0),
          response_bytes: Number(reply.getHeader('content-length') ?? 0),
          client_ip: request.ip,
        },
        'request completed',
      )
    })
  },
  { name: 'request-log', dependencies: ['container'] },
)
