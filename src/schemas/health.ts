import { z } from 'zod'

/** State of one backing component; extra figures (latency, sizes) depend on the component. */
export const componentStatusSchema = z
  .looseObject({
    status: z.enum(['ok', 'down', 'not_configured']),
    backend: z.string().optional(),
    detail: z.string().optional(),
  })
  .meta({ id: 'ComponentStatus' })

export const healthResponseSchema = z
  .object({
    status: z
      .enum(['healthy', 'degraded', 'unhealthy'])
      .describe(
        'unhealthy (HTTP 503) when the database is down; degraded when an optional component is',
      ),
    version: z.string(),
    uptime_s: z.number(),
    timestamp: z.string(),
    services: z.object({
      llm: componentStatusSchema.and(
        z.looseObject({ provider: z.string().nullable(), model: z.string().nullable() }),
      ),
      database: componentStatusSchema,
      cache: componentStatusSchema,
      rate_limiter: componentStatusSchema,
      analysis: componentStatusSchema
        .optional()
        .describe('The worker processes every analysis runs in: started, busy, queued, size'),
      generation: componentStatusSchema
        .optional()
        .describe('Generations running and waiting in this process, and GENERATION_CONCURRENCY'),
    }),
  })
  .meta({ id: 'HealthResponse' })
