import { toAppError, toErrorBody, type ErrorBody } from '../errors.js'
import type { PublishedEvent } from '../schemas/generation-events.js'

/**
 * One Server-Sent Event. The data is JSON, whose strings never hold a raw line break, so model
 * output cannot end the `data:` line and forge an event of its own.
 */
export function sseFrame(event: PublishedEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`
}

/** A comment line: ignored by clients, it keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT = ': heartbeat\n\n'

/** Whether an event ends its generation's stream. */
export function isFinal(event: PublishedEvent): boolean {
  return event.type === 'completed' || event.type === 'error'
}

/** The error body of anything a generation threw; unexpected errors say only that. */
export function errorEvent(error: unknown, requestId: string): { type: 'error'; data: ErrorBody } {
  return { type: 'error', data: toErrorBody(toAppError(error), requestId) }
}
