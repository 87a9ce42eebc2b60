import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AppError } from '../../errors.js'
import { errorResponses } from '../../schemas/error.js'
import { verificationSchema, verifyRequestSchema } from '../../schemas/verification.js'
import { abortOnDisconnect } from '../../streaming/connection.js'

export const verifyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { verifier, languages, config, access } = app.services
  const maxFileBytes = config.analysis.maxFileBytes

  /** Each file is held to the limit of one analysed or generated file. */
  const bounded = (subject: 'The code is' | 'The tests are', text: string) => {
    const bytes = Buffer.byteLength(text, 'utf8')
    if (bytes > maxFileBytes) {
      throw new AppError(
        'APP_ERR_BODY_TOO_LARGE',
        `${subject} ${bytes} bytes; the limit is ${maxFileBytes} bytes (ANALYSIS_MAX_FILE_BYTES)`,
      )
    }
  }

  app.post(
    '/verify',
    {
      // Parsing a body holds the event loop, as for the analysis routes: their limit, whose
      // default holds code and tests of ANALYSIS_MAX_FILE_BYTES each when little is escaped.
      bodyLimit: config.analysis.bodyLimit,
      config: { bodyLimitSetting: 'ANALYSIS_BODY_LIMIT', access: 'user' },
      schema: {
        tags: ['verification'],
        summary: 'Run your own tests against your own code in the sandbox; no model involved',
        description:
          "The code and the tests are saved under the language's file names and reach each other as its conventions say (GET /api/languages/{id}: conventions), and run in the sandbox within VERIFY_TIMEOUT_MS and VERIFY_MEMORY_MB; the answer is the verification object of a generation, with rounds 0 and the stub check not run. Code or tests that do not compile answer 200 with status failed and the compiler's output; a run that breaks (time or memory limit) answers 200 with status error; a language whose runner is not installed here, or SANDBOX=off, answers 200 with status skipped and the reason. Code and tests are at most ANALYSIS_MAX_FILE_BYTES each (413). When VERIFY_CONCURRENCY runs are busy and 16 times as many wait, 503 with Retry-After. Closing the connection stops the run.",
        body: verifyRequestSchema,
        // 409: the client closed the connection and the run was stopped (nobody reads it).
        // 503: VERIFY_CONCURRENCY runs busy and 16 times as many waiting.
        response: { 200: verificationSchema, ...errorResponses(400, 409, 413, 503) },
      },
    },
    async (request, reply) => {
      const { programming_language, code, tests } = request.body
      const language = languages.resolve(programming_language)
      bounded('The code is', code)
      bounded('The tests are', tests)
      await access.admission.verifyRun(request.principal)
      const run = await verifier.run(language, { code, tests }, abortOnDisconnect(reply.raw))
      return { ...run, rounds: 0, test_quality: { fails_on_stub: null, passed_on_stub: [] } }
    },
  )
}
