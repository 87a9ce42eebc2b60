import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Language } from '../../analysis/language-registry.js'
import type { Verifier } from '../../services/verification/verifier.js'
import { AppError } from '../../errors.js'
import { errorResponses } from '../../schemas/error.js'
import { languageListSchema, languageParamsSchema, languageSchema } from '../../schemas/language.js'

function present(language: Language, verifier: Verifier) {
  const { id, name, aliases, extensions, test_framework, doc_style, analysis } = language
  const { code_file, test_file, test_import } = language.generation
  const conventions = { code_file, test_file, test_import }
  const verification = verifier.language(language)
  return {
    id,
    name,
    aliases,
    extensions,
    test_framework,
    doc_style,
    analysis,
    conventions,
    verification,
  }
}

export const languageRoutes: FastifyPluginAsyncZod = async (app) => {
  const { languages, verifier } = app.services

  app.get(
    '/languages',
    {
      config: { access: 'user' },
      schema: {
        tags: ['languages'],
        summary: 'The supported programming languages',
        description:
          'verification says whether tests of the language run here (bubblewrap and the runner installed), with which runner and version, or why not. Right after start-up the answer waits until the runners are found (a few seconds).',
        response: { 200: languageListSchema, ...errorResponses() },
      },
    },
    async () => {
      // Right after start-up the runners are still being found (seconds); the answer waits for
      // them rather than calling every language unavailable.
      await verifier.start()
      return {
        languages: languages.languages.map((language) => present(language, verifier)),
        count: languages.languages.length,
      }
    },
  )

  app.get(
    '/languages/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['languages'],
        summary: 'One language, by id or alias',
        params: languageParamsSchema,
        response: { 200: languageSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const language = languages.find(request.params.id)
      if (!language) {
        throw new AppError(
          'APP_ERR_NOT_FOUND',
          `Programming language '${request.params.id}' not supported; supported: ${languages.ids.join(', ')}`,
        )
      }
      await verifier.start()
      return present(language, verifier)
    },
  )
}
