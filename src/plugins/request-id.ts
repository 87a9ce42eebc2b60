import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'

const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/

/**
 * Request id (Fastify's `genReqId`): the caller's `X-Request-Id` when it is a sane token, else a
 * new UUID. Every log line and error body of the request carries it.
 */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id']
  if (typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming)) return incoming
  return newRequestId()
}

/** An id for an answer with no Fastify request behind it (a client error on the raw socket). */
export function newRequestId(): string {
  return randomUUID()
}

/** Echoes the request id in the `X-Request-Id` header of every answer. */
export const requestIdPlugin = fp(
  async (app) => {
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id)
    })
  },
  { name: 'request-id' },
)
