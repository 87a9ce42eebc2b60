import { z } from 'zod'

/** State of one backing component; extra figures (latency, sizes) depend on the component. */
export const componentStatusSchema = z
  .looseObject({
    status: z
      .enum(['ok', 'degraded', 'down', 'not_configured'])
      .describe(
        'degraded: up, but part of what it offers is unavailable (the sandbox cannot start test runs)',
      ),
    backend: z.string().optional(),
    detail: z.string().optional(),
  })
  .meta({ id: 'ComponentStatus' })

export const healthResponseSchema = z
  .object({
    status: z
      .enum(['healthy', 'degraded', 'unhealthy'])
      .describe(
        'unhealthy (HTTP 503) when the database is down; degraded (HTTP 200) when an optional component is down or any component is degraded',
      ),
    version: z.string(),
    auth: z
      .enum(['on', 'off'])
      .describe(
        'AUTH: whether the other routes ask for a credential (a client shows its login first)',
      ),
    uptime_s: z.number(),
    timestamp: z.string(),
    services: z.object({
      llm: componentStatusSchema
        .and(
          z.looseObject({
            provider: z.string().nullable(),
            model: z.string().nullable(),
            model_file: z.string().optional().describe('local: the GGUF file (its name only)'),
            model_bytes: z.number().int().optional().describe('local: size of the model file'),
            context_length: z
              .number()
              .int()
              .nullable()
              .optional()
              .describe('local: tokens of context per generation slot (known once loaded)'),
            sequences: z
              .number()
              .int()
              .optional()
              .describe('local: context sequences, one per slot (GENERATION_CONCURRENCY)'),
            threads: z
              .number()
              .int()
              .nullable()
              .optional()
              .describe('local: CPU threads of inference'),
            busy_slots: z
              .number()
              .int()
              .optional()
              .describe('local: context sequences generating now'),
            waiting_calls: z
              .number()
              .int()
              .optional()
              .describe('local: model calls waiting for a free sequence'),
            load_state: z
              .enum(['unloaded', 'downloading', 'loading', 'loaded', 'failed'])
              .optional()
              .describe(
                'local: whether the model is in memory; it loads on first use (or at start with LOCAL_PRELOAD) and unloads after LOCAL_IDLE_UNLOAD_S',
              ),
          }),
        )
        .describe(
          'The model provider. A remote one is probed (GET its model list) at most every LLM_HEALTH_INTERVAL_MS; the local model reports its file and load state without loading it',
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
      queue: componentStatusSchema
        .and(
          z.looseObject({
            waiting: z.number().int().optional().describe('Jobs queued'),
            active: z.number().int().optional().describe('Jobs running'),
            failed: z.number().int().optional().describe('Failed jobs kept (JOB_RETENTION_HOURS)'),
            workers: z
              .array(
                z.object({
                  id: z.string(),
                  host: z.string(),
                  pid: z.number().int(),
                  concurrency: z.number().int(),
                  last_seen: z.string(),
                }),
              )
              .optional()
              .describe('Worker processes seen in the last three heart-beats'),
          }),
        )
        .optional()
        .describe(
          'The job queue (backend bullmq with REDIS_URL, else database): ok; degraded when jobs wait and no worker has been seen; down when Redis or the database cannot be reached',
        ),
      sandbox: componentStatusSchema
        .and(
          z.looseObject({
            languages_available: z
              .array(z.string())
              .describe('Ids of the languages whose tests can run here'),
          }),
        )
        .describe(
          'Where generated tests run (SANDBOX): ok; degraded when runs cannot start (bubblewrap missing, namespaces refused), so verification answers skipped; not_configured when SANDBOX=off',
        ),
    }),
  })
  .meta({ id: 'HealthResponse' })
