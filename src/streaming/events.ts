import type { z } from 'zod'
import { AppError, toErrorBody, ValidationError, type ErrorBody } from '../errors.js'
import type { PublishedEvent } from '../services/generation/event-hub.js'

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
  const appError =
    error instanceof AppError
      ? error
      : new AppError(
          'APP_ERR_INTERNAL',
          'An unexpected error occurred; the request_id identifies it in the server log',
        )
  return { type: 'error', data: toErrorBody(appError, requestId) }
}

/** A schema failure of a WebSocket message, in the API's validation error shape. */
export function messageValidationError(error: z.ZodError, context = 'message'): ValidationError {
  const problems = error.issues.map((issue) => {
    const field = [context, ...issue.path.map(String)].join('.')
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message)
    return missing
      ? { field, rule: 'required', message: 'is required' }
      : { field, rule: issue.code, message: issue.message }
  })
  const detail = problems
    .map((problem) => `${problem.field}: ${problem.message} (rule: ${problem.rule})`)
    .join('; ')
  return new ValidationError(detail, problems)
}
