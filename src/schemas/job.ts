import { z } from 'zod'
import { JOB_STATUSES } from '../ports/job-store.js'
import { errorResponseSchema } from './error.js'
import {
  generateRequestSchema,
  generationResultSchema,
  pageQueryShape,
  filterText,
  userFilterSchema,
} from './generation.js'

const jobStatusSchema = z.enum(JOB_STATUSES)

const requestSchemas = new Map<number, ReturnType<typeof buildJobRequestSchema>>()

/** `POST /api/jobs`: a generation request, and where to post its outcome; one per prompt limit. */
export function jobRequestSchema(maxPromptLength: number) {
  let schema = requestSchemas.get(maxPromptLength)
  if (!schema) {
    schema = buildJobRequestSchema(maxPromptLength)
    requestSchemas.set(maxPromptLength, schema)
  }
  return schema
}

function buildJobRequestSchema(maxPromptLength: number) {
  return z
    .strictObject({
      ...generateRequestSchema(maxPromptLength).shape,
      callback_url: z
        .string()
        .max(2048)
        .optional()
        .describe(
          'Where the finished job is POSTed, signed with X-Verigen-Signature (sha256=HMAC of the body with WEBHOOK_SECRET); its host must be in WEBHOOK_ALLOWED_HOSTS, else 422',
        ),
    })
    .meta({ id: 'JobRequest' })
}

export const jobAcceptedSchema = z
  .object({
    job_id: z.string().describe("The job's id, which is its generation's id in the history"),
    status: jobStatusSchema.describe(
      'queued (a repeated Idempotency-Key answers the first job as it is now)',
    ),
    position: z
      .number()
      .int()
      .nullable()
      .describe('Place in the queue, 1 = next; null when not queued'),
    status_url: z.string().describe('GET it for the job'),
    events_url: z.string().describe('GET it for the events, as Server-Sent Events'),
  })
  .meta({ id: 'JobAccepted' })

export const jobSchema = z
  .object({
    id: z.string(),
    status: jobStatusSchema,
    programming_language: z.string().describe('The language id the job generates in'),
    prompt: z.string().describe('The prompt, as received'),
    stage: z
      .string()
      .nullable()
      .describe(
        'Stage of the current run: code, tests, docs, verify, metrics; null before it runs',
      ),
    attempts: z
      .number()
      .int()
      .describe('Times a worker started it (a run cut short by a dead worker counts)'),
    position: z
      .number()
      .int()
      .nullable()
      .describe('Place in the queue while queued (1 = next), else null'),
    result: generationResultSchema
      .nullable()
      .describe('What POST /api/generate answers, once there is one'),
    error: errorResponseSchema.nullable().describe('Why it failed or was cancelled'),
    callback_url: z
      .string()
      .nullable()
      .describe('Where the outcome is posted; its query and fragment are shown as ?…'),
    created_at: z.string(),
    started_at: z.string().nullable().describe('When its last run started'),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'Job' })

export const jobListQuerySchema = z.strictObject({
  ...pageQueryShape,
  status: jobStatusSchema.optional(),
  user: userFilterSchema,
  programming_language: filterText(40).describe('A language id or alias'),
  q: filterText(200).describe(
    'Only jobs whose prompt contains this text (ASCII letters in any case)',
  ),
})

export const jobListSchema = z
  .object({ items: z.array(jobSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'JobList' })
