import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'
import { AppError } from '../errors.js'

/**
 * Graceful drain. Once the app starts closing, new requests get a 503 in the error shape and
 * every response asks the client to close its connection, so that keep-alive sockets end as soon
 * as their in-flight request is answered and `close()` can finish. Upgrade requests answered
 * with plain HTTP are closed after their answer.
 */
export const lifecyclePlugin = fp(
  async (app) => {
    let draining = false
    app.addHook('preClose', async () => {
      draining = true
    })
    app.addHook('onRequest', async () => {
      if (draining) {
        throw new AppError(
          'APP_ERR_SHUTTING_DOWN',
          'The server is shutting down; retry on another instance',
          {
            retryable: true,
            headers: { 'retry-after': '1' },
          },
        )
      }
    })
    app.addHook('onSend', async (request, reply) => {
      if (draining || upgrading(request.raw)) reply.header('connection', 'close')
    })
    // A request asking for an upgrade that is answered with plain HTTP (any route but a
    // WebSocket handshake that succeeds) leaves a socket Node's HTTP server no longer manages:
    // nothing would close it, and `close()` would wait for it until the shutdown deadline.
    app.addHook('onResponse', async (request) => {
      if (!upgrading(request.raw)) return
      const socket = request.raw.socket
      socket.once('finish', () => socket.destroy())
      socket.end()
    })
  },
  { name: 'lifecycle' },
)

/** Node's parser flags a request that asks to switch protocols (`Connection: Upgrade`). */
function upgrading(request: IncomingMessage): boolean {
  return (request as IncomingMessage & { upgrade?: boolean }).upgrade === true
}
