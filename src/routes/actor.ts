import type { FastifyRequest } from 'fastify'
import type { Actor } from '../services/access/principal.js'

/** Who a request acts as, for the audit trail: its principal (none when `AUTH=off`) and address. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = request.principal
  return { id: principal?.id ?? null, name: principal?.name ?? null, ip: request.ip }
}
