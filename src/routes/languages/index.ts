import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Language } from '../../analysis/language-registry.js'
import { AppError } from '../../errors.js'
import { errorResponses } from '../../schemas/error.js'
import { languageListSchema, languageParamsSchema, languageSchema } from '../../schemas/language.js'

function present(language: Language) {
  const { id, name, aliases, extensions, test_framework, doc_style, analysis } = language
  return { id, name, aliases, extensions, test_framework, doc_style, analysis }
}

export const languageRoutes: FastifyPluginAsyncZod = async (app) => {
  const { languages } = app.services

  app.get(
    '/languages',
    {
      schema: {
        tags: ['languages'],
        summary: 'The supported programming languages',
        response: { 200: languageListSchema, ...errorResponses() },
      },
    },
    async () => ({
      languages: languages.languages.map(present),
      count: languages.languages.length,
    }),
  )

  app.get(
    '/languages/:id',
    {
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
      return present(language)
    },
  )
}
