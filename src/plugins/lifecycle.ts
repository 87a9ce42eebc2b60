import fp from 'fastify-plugin'
import { AppError } from '../errors.js'

/**
 * Graceful drain. Once the app starts closing, new requests get a 503 in the error shape and
 * every response asks the client to close its connection, so that keep-alive sockets end as soon
 * as their in-flight request is answered and `close()` can finish.
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
    app.addHook('onSend', async (_request, reply) => {
      if (draining) reply.header('connection', 'close')
    })
  },
  { name: 'lifecycle' },
)
