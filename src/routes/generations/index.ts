import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { GenerationRecord } from '../../ports/generation-store.js'
import { errorResponses } from '../../schemas/error.js'
import {
  generationIdParamsSchema,
  generationListQuerySchema,
  generationListSchema,
  generationRecordSchema,
  type GenerationResult,
} from '../../schemas/generation.js'
import { jsonWithoutCheck } from '../../schemas/serializer.js'

function summary(record: GenerationRecord) {
  const request = record.request as { prompt?: unknown }
  return {
    id: record.id,
    status: record.status,
    programming_language: record.programmingLanguage,
    prompt: typeof request?.prompt === 'string' ? request.prompt : '',
    provider: record.provider,
    model: record.model,
    usage: {
      prompt_tokens: record.usage.promptTokens,
      completion_tokens: record.usage.completionTokens,
      total_tokens: record.usage.totalTokens,
      llm_calls: record.usage.llmCalls,
    },
    duration_ms: record.durationMs,
    // The text clients have always read: the code first when there is one.
    error:
      record.error &&
      (record.error.code ? `${record.error.code}: ${record.error.detail}` : record.error.detail),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  }
}

/** One generation as the history holds it: the summary, the request and the result. */
function entry(record: GenerationRecord) {
  return {
    ...summary(record),
    // The store keeps both as JSON it does not read: the validated request and the service's
    // GenerationResult. The tests check every entry answered against the schema.
    request: record.request as Record<string, unknown>,
    result: record.result as GenerationResult | null,
  }
}

export const generationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { generation, jobs, languages, access } = app.services

  app.get(
    '/generations',
    {
      config: { access: 'user' },
      schema: {
        tags: ['history'],
        summary: 'Past generations, newest first, with cursor pagination',
        description:
          "A user sees their own generations; an administrator sees everyone's, or one user's with ?user= (an id or a name).",
        querystring: generationListQuerySchema,
        response: { 200: generationListSchema, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor, programming_language, status, user, q } = request.query
      const page = await generation.list({
        userId: await access.ownership.listScope(request.principal, user),
        limit,
        cursor,
        // An alias (`py`) finds what was stored under the language's id.
        programmingLanguage: programming_language
          ? (languages.find(programming_language)?.id ?? programming_language)
          : undefined,
        status,
        search: q,
      })
      return { items: page.items.map(summary), next_cursor: page.nextCursor }
    },
  )

  app.get(
    '/generations/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['history'],
        summary: 'One generation: its request, outcome, attempts and usage',
        params: generationIdParamsSchema,
        response: { 200: generationRecordSchema, ...errorResponses(404) },
      },
      serializerCompiler: jsonWithoutCheck,
    },
    async (request) => {
      const record = await generation.get(request.params.id)
      access.ownership.see(request.principal, record, 'Generation')
      return entry(record)
    },
  )

  app.delete(
    '/generations/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['history'],
        summary: 'Delete one generation from the history',
        params: generationIdParamsSchema,
        response: { 204: z.null().describe('Deleted'), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await access.ownership.check(request.principal, request.params.id)
      await jobs.deleteGeneration(request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/generations/:id/cancel',
    {
      config: { access: 'user' },
      schema: {
        tags: ['history'],
        summary:
          'Cancel a running generation: its model calls stop, its slot is freed, the history says cancelled',
        description:
          'Answers with the history entry once it says cancelled, with the tokens used so far. A generation running in another API process is reached through Redis when REDIS_URL is set; without it, or when no process answers, 409 APP_ERR_GENERATION_FINISHED says so. A generation whose process stopped is interrupted, a finished state: 409 as well.',
        params: generationIdParamsSchema,
        response: { 200: generationRecordSchema, ...errorResponses(404, 409) },
      },
      serializerCompiler: jsonWithoutCheck,
    },
    async (request) => {
      await access.ownership.check(request.principal, request.params.id)
      return entry(await jobs.cancelGeneration(request.params.id))
    },
  )
}
