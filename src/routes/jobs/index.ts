import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { JobView } from '../../ports/job-store.js'
import { errorResponses } from '../../schemas/error.js'
import {
  generationIdParamsSchema,
  idempotencyHeadersSchema,
  PROMPT_LENGTH_CEILING,
} from '../../schemas/generation.js'
import {
  jobAcceptedSchema,
  jobListQuerySchema,
  jobListSchema,
  jobRequestSchema,
  jobSchema,
} from '../../schemas/job.js'
import { jsonWithoutCheck } from '../../schemas/serializer.js'
import { ownerOf } from '../../services/access/principal.js'
import type { GenerationInput } from '../../services/generation/types.js'
import { jobBody, jobStatus } from '../../services/jobs/job-body.js'
import { EventStream } from '../../streaming/connection.js'
import { errorEvent, isFinal } from '../../streaming/events.js'

/**
 * `/api/jobs`: generations queued for workers. Any user may call them; a job is its owner's
 * (and the administrators'): anyone else gets 404 for it, as for an id that does not exist.
 */
export const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { jobs, config, access, languages } = app.services
  const { ownership } = access
  const prefix = config.server.apiPrefix
  const heartbeatMs = config.generation.heartbeatMs

  const body = async (view: JobView, requestId: string) =>
    jobBody(view, await jobs.position(view), requestId)

  app.post(
    '/jobs',
    {
      config: { access: 'user' },
      schema: {
        tags: ['jobs'],
        summary: 'Queue a generation as a job; a worker runs it',
        description:
          'The same body as POST /api/generate, plus an optional callback_url. Answers at once with 202 and where to follow the job: GET status_url for its state and result, GET events_url for its events as Server-Sent Events. JOB_QUEUE_MAX jobs may wait; beyond that 503 APP_ERR_QUEUE_FULL with Retry-After.',
        headers: idempotencyHeadersSchema,
        body: jobRequestSchema(PROMPT_LENGTH_CEILING),
        response: {
          202: jobAcceptedSchema,
          ...errorResponses(400, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const { callback_url: callbackUrl, ...input } = request.body
      await access.admission.generations(request.principal, [input])
      const { view, position } = await jobs.submit(input, {
        idempotencyKey: request.headers['idempotency-key'],
        callbackUrl,
        owner: ownerOf(request.principal),
      })
      const id = view.record.id
      const statusUrl = `${prefix}/jobs/${id}`
      return reply
        .code(202)
        .header('location', statusUrl)
        .send({
          job_id: id,
          status: jobStatus(view.record.status),
          position,
          status_url: statusUrl,
          events_url: `${statusUrl}/events`,
        })
    },
  )

  app.get(
    '/jobs',
    {
      config: { access: 'user' },
      schema: {
        tags: ['jobs'],
        summary:
          'Jobs, newest first, with cursor pagination and filters by status, language and prompt',
        querystring: jobListQuerySchema,
        response: { 200: jobListSchema, ...errorResponses(400) },
      },
      serializerCompiler: jsonWithoutCheck,
    },
    async (request) => {
      const { user, programming_language, q, ...query } = request.query
      const page = await jobs.list({
        ...query,
        userId: await ownership.listScope(request.principal, user),
        // An alias (`py`) finds what was stored under the language's id.
        programmingLanguage: programming_language
          ? (languages.find(programming_language)?.id ?? programming_language)
          : undefined,
        search: q,
      })
      return {
        items: await Promise.all(page.items.map((view) => body(view, request.id))),
        next_cursor: page.nextCursor,
      }
    },
  )

  app.get(
    '/jobs/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['jobs'],
        summary: 'One job: its status, stage, attempts, place in the queue, result or error',
        params: generationIdParamsSchema,
        response: { 200: jobSchema, ...errorResponses(404) },
      },
      serializerCompiler: jsonWithoutCheck,
    },
    async (request) => {
      const view = await jobs.get(request.params.id)
      ownership.see(request.principal, view.record, 'Job')
      return body(view, request.id)
    },
  )

  app.post(
    '/jobs/:id/cancel',
    {
      config: { access: 'user' },
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job: a queued one leaves the queue, a running one stops',
        description:
          'A running job stops wherever its worker runs: its model calls and sandbox runs end. Answers with the job once it says cancelled, or as it stands after 5 s. A finished job answers 409 APP_ERR_GENERATION_FINISHED.',
        params: generationIdParamsSchema,
        response: { 200: jobSchema, ...errorResponses(404, 409) },
      },
      serializerCompiler: jsonWithoutCheck,
    },
    async (request) => {
      await ownership.check(request.principal, request.params.id, 'Job')
      return body(await jobs.cancel(request.params.id), request.id)
    },
  )

  app.post(
    '/jobs/:id/retry',
    {
      config: { access: 'user' },
      schema: {
        tags: ['jobs'],
        summary: 'Queue a failed or cancelled job again',
        description:
          'Its attempts start again from zero; any other state answers 409 APP_ERR_JOB_NOT_RETRYABLE.',
        params: generationIdParamsSchema,
        response: { 202: jobSchema, ...errorResponses(404, 409, 503) },
      },
      serializerCompiler: jsonWithoutCheck,
    },
    async (request, reply) => {
      const queued = await jobs.get(request.params.id)
      ownership.see(request.principal, queued.record, 'Job')
      await access.admission.generations(request.principal, [
        queued.record.request as GenerationInput,
      ])
      const view = await jobs.retry(request.params.id)
      return reply
        .code(202)
        .header('location', `${prefix}/jobs/${view.record.id}`)
        .send(await body(view, request.id))
    },
  )

  app.get(
    '/jobs/:id/events',
    {
      config: { access: 'user', queryToken: true },
      schema: {
        tags: ['jobs'],
        summary: "The job's events as Server-Sent Events, from the first",
        description:
          'The events of POST /api/generate/stream, replayed from the start of the current run for a late subscriber, from any API process, then live until completed or error. A run started again (its worker died, or a retryable failure) begins with a new started event. Closing the stream does not cancel the job.',
        params: generationIdParamsSchema,
        response: {
          200: {
            description: 'The events, as Server-Sent Events',
            content: { 'text/event-stream': { schema: z.string() } },
          },
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      ownership.see(request.principal, (await jobs.get(id)).record, 'Job')
      const stream = new EventStream(reply.raw, heartbeatMs)
      let stop: (() => void) | null = null
      const finish = () => {
        stop?.()
        stream.end()
      }
      stream.signal.addEventListener('abort', finish, { once: true })
      jobs
        .watch(
          id,
          (event) => {
            stream.send(event)
            if (isFinal(event)) finish()
          },
          request.id,
        )
        .then((unsubscribe) => {
          stop = unsubscribe
          if (stream.signal.aborted) unsubscribe()
        })
        .catch((error: unknown) => {
          stream.send(errorEvent(error, request.id))
          finish()
        })
      return reply
        .type('text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        .send(stream.body as never)
    },
  )
}
