import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import type { AnalysisReport } from '../../analysis/engine.js'
import { AppError, ERRORS } from '../../errors.js'
import type { ProfileOptions } from '../../analysis/profiles/profile.js'
import {
  analysisReportSchema,
  analyzeRequestSchema,
  batchAnalyzeRequestSchema,
  batchAnalyzeResponseSchema,
} from '../../schemas/analysis.js'
import { errorResponses } from '../../schemas/error.js'

function profileOptions(options?: {
  cyclomatic_variant?: 'classic' | 'modified'
  radon_compat?: '6.0' | '5.1'
}): ProfileOptions {
  return {
    ...(options?.cyclomatic_variant ? { cyclomaticVariant: options.cyclomatic_variant } : {}),
    ...(options?.radon_compat ? { radonCompat: options.radon_compat } : {}),
  }
}

/** The engine's typed report, as the loosely typed response schema sees it. */
const asReport = (report: AnalysisReport) =>
  report as unknown as z.output<typeof analysisReportSchema>

export const analyzeRoutes: FastifyPluginAsyncZod = async (app) => {
  const { analysis, config } = app.services
  const maxFileBytes = config.analysis.maxFileBytes
  // JSON escaping can double a file's size; the file-size rule is checked on the code itself.
  const singleBodyLimit = Math.max(config.server.bodyLimit, maxFileBytes * 2 + 64 * 1024)
  const batchBodyLimit = Math.max(config.server.bodyLimit, 32 * 1024 * 1024)

  app.post(
    '/analyze',
    {
      bodyLimit: singleBodyLimit,
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
      // Sent as text: the report was serialised where it was computed (see analyzeToJson).
      const json = await analysis.analyzeToJson({ ...rest, options: profileOptions(options) })
      return reply.type('application/json; charset=utf-8').send(json as never)
    },
  )

  app.post(
    '/analyze/batch',
    {
      bodyLimit: batchBodyLimit,
      schema: {
        tags: ['analysis'],
        summary: 'Analyse up to 100 files; one file failing never fails the others',
        body: batchAnalyzeRequestSchema,
        response: { 200: batchAnalyzeResponseSchema, ...errorResponses(400, 413) },
      },
    },
    async (request) => {
      const options = profileOptions(request.body.options)
      const results = await Promise.all(
        request.body.files.map(async (file, index) => {
          try {
            const result = await analysis.analyze({ ...file, options })
            return {
              index,
              filename: file.filename,
              status: 'ok' as const,
              result: asReport(result),
            }
          } catch (error) {
            const appError =
              error instanceof AppError
                ? error
                : new AppError('APP_ERR_INTERNAL', 'The analysis of this file failed unexpectedly')
            if (!(error instanceof AppError))
              request.log.error({ err: error, filename: file.filename }, 'analysis failed')
            return {
              index,
              filename: file.filename,
              status: 'error' as const,
              error: {
                code: appError.code,
                detail: appError.message,
                status_code: ERRORS[appError.code].status,
              },
            }
          }
        }),
      )
      const analysed = results.filter((result) => result.status === 'ok')
      return {
        results,
        summary: {
          files: results.length,
          analysed: analysed.length,
          failed: results.length - analysed.length,
          syntax_invalid: analysed.filter((result) => result.result && !result.result.syntax_valid)
            .length,
        },
      }
    },
  )
}
