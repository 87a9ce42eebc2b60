import { z } from 'zod'
import { ERRORS, type ErrorCode } from '../errors.js'

/**
 * The one error body of the API, answered for every 4xx and 5xx, and carried by batch items,
 * stream and WebSocket `error` events. The fields some errors add are declared below, so that
 * the tests' response check (test/helpers/response-check.ts) fails on one that is not.
 */
export const errorResponseSchema = z
  .object({
    error: z.string().describe('Short title of the error class'),
    detail: z.string().describe('What went wrong, specifically enough to act on'),
    status_code: z.number().int().describe('The HTTP status, repeated'),
    timestamp: z.string().describe('When the error was answered, ISO-8601 UTC'),
    request_id: z.string().describe('Echoed in the X-Request-Id header and in the server log'),
    code: z
      .enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]])
      .describe('Stable machine-readable code; see docs/errors.md'),
    errors: z
      .array(z.object({ field: z.string(), rule: z.string(), message: z.string() }))
      .optional()
      .describe('For validation errors: every field that failed and the rule it broke'),
    supported_languages: z
      .array(z.string())
      .optional()
      .describe('For an unsupported or undetectable language: the ids this server supports'),
    retry_after_s: z
      .number()
      .optional()
      .describe('For a rate limit or a busy server: seconds to wait before retrying'),
    budget: z
      .enum([
        'requests_per_minute',
        'concurrent_generations',
        'tokens_per_day',
        'verify_runs_per_day',
      ])
      .optional()
      .describe('For APP_ERR_QUOTA_EXCEEDED: the budget that is used up'),
    limit: z.number().optional().describe("For APP_ERR_QUOTA_EXCEEDED: the budget's limit"),
  })
  .meta({ id: 'ErrorResponse' })

export type ErrorResponse = z.output<typeof errorResponseSchema>

/** Error responses a route documents besides its success response. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorResponseSchema> {
  return Object.fromEntries([...statuses, 429, 500].map((status) => [status, errorResponseSchema]))
}
