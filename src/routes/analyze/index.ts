import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { ProfileOptions } from '../../analysis/profiles/profile.js'
import {
  analysisReportSchema,
  analyzeRequestSchema,
  batchAnalyzeRequestSchema,
  batchAnalyzeResponseSchema,
} from '../../schemas/analysis.js'
import { errorResponses } from '../../schemas/error.js'
import { abortOnDisconnect } from '../../streaming/connection.js'

function profileOptions(options?: {
  cyclomatic_variant?: 'classic' | 'modified' | undefined
  radon_compat?: '6.0' | '5.1' | undefined
  max_cyclomatic?: number | undefined
  max_cognitive?: number | undefined
}): ProfileOptions {
  return {
    ...(options?.cyclomatic_variant ? { cyclomaticVariant: options.cyclomatic_variant } : {}),
    ...(options?.radon_compat ? { radonCompat: options.radon_compat } : {}),
    ...(options?.max_cyclomatic !== undefined ? { maxCyclomatic: options.max_cyclomatic } : {}),
    ...(options?.max_cognitive !== undefined ? { maxCognitive: options.max_cognitive } : {}),
  }
}

export const analyzeRoutes: FastifyPluginAsyncZod = async (app) => {
  const { analysis, config } = app.services
  // Both routes carry code, and JSON escaping can double it: ANALYSIS_BODY_LIMIT, not
  // BODY_LIMIT, bounds them (its default leaves room for one file of ANALYSIS_MAX_FILE_BYTES).
  const bodyLimit = config.analysis.bodyLimit
  const routeConfig = { bodyLimitSetting: 'ANALYSIS_BODY_LIMIT', access: 'user' } as const

  app.post(
    '/analyze',
    {
      bodyLimit,
      config: routeConfig,
      schema: {
        tags: ['analysis'],
        summary:
          'Analyse one file: syntax errors, complexity, Halstead, maintainability, readability, performance',
        body: analyzeRequestSchema,
        response: { 200: analysisReportSchema, ...errorResponses(400, 413, 422) },
      },
    },
    async (request, reply) => {
      const { options, ...rest } = request.body
      // Sent as text: the report was serialised in the worker that computed it (analyzeToJson),
      // and parsing it here to serialise it again would cost the request thread more than the
      // rest of the request. The tests check every report sent against analysisReportSchema.
      const json = await analysis.analyzeToJson(
        { ...rest, options: profileOptions(options) },
        { signal: abortOnDisconnect(reply.raw) },
      )
      return reply.type('application/json; charset=utf-8').send(json as never)
    },
  )

  app.post(
    '/analyze/batch',
    {
      bodyLimit,
      config: routeConfig,
      schema: {
        tags: ['analysis'],
        summary:
          'Analyse up to 100 files within ANALYSIS_BATCH_TIMEOUT_MS; one file failing never fails the others',
        body: batchAnalyzeRequestSchema,
        response: { 200: batchAnalyzeResponseSchema, ...errorResponses(400, 413) },
      },
    },
    async (request, reply) => {
      const json = await analysis.analyzeBatchToJson(
        request.body.files,
        profileOptions(request.body.options),
        {
          signal: abortOnDisconnect(reply.raw),
          requestId: request.id,
          onUnexpected: (error, filename) =>
            request.log.error({ err: error, filename }, 'analysis failed'),
        },
      )
      // Text built in the service to batchAnalyzeResponseSchema; checked in the tests likewise.
      return reply.type('application/json; charset=utf-8').send(json as never)
    },
  )
}
