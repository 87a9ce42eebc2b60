import { z } from 'zod'
import { GENERATION_STATUSES } from '../ports/generation-store.js'
import { analysisReportSchema, syntaxErrorSchema } from './analysis.js'
import { errorResponseSchema } from './error.js'
import { verificationSchema } from './verification.js'

export const generationOptionsSchema = z
  .strictObject({
    temperature: z.number().min(0).max(2).optional().describe('Sampling temperature, 0–2'),
    max_repair_attempts: z
      .number()
      .int()
      .min(0)
      .max(5)
      .optional()
      .describe('Times unparseable code goes back to the model with its errors (default 2)'),
    model: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('A model from LLM_ALLOWED_MODELS; default LLM_MODEL'),
    cache: z
      .boolean()
      .optional()
      .describe('false: skip the cache and coalescing, always call the model (default true)'),
    verify: z
      .boolean()
      .optional()
      .describe(
        'Run the tests against the code in the sandbox, send failures back for fixing, and check that the tests fail on a stub (default VERIFY_DEFAULT, true)',
      ),
    max_fix_rounds: z
      .number()
      .int()
      .min(0)
      .max(5)
      .optional()
      .describe('Times failing tests go back to the model for a fix (default 2)'),
  })
  .meta({ id: 'GenerationOptions' })

/** One schema object per prompt limit: OpenAPI refuses two different schemas with one id. */
function perLimit<T>(build: (maxPromptLength: number) => T): (maxPromptLength: number) => T {
  const built = new Map<number, T>()
  return (maxPromptLength) => {
    let schema = built.get(maxPromptLength)
    if (!schema) {
      schema = build(maxPromptLength)
      built.set(maxPromptLength, schema)
    }
    return schema
  }
}

/**
 * The longest prompt the `max_prompt_length` setting may allow: the request schemas take up to
 * this, and the generation service holds a request to the setting as it is at that moment.
 */
export const PROMPT_LENGTH_CEILING = 1_000_000

/** The request body; the prompt limit comes from `MAX_PROMPT_LENGTH`. */
export const generateRequestSchema = perLimit(buildRequestSchema)

function buildRequestSchema(maxPromptLength: number) {
  return z
    .strictObject({
      prompt: z
        .string()
        .trim()
        .min(10)
        .max(maxPromptLength)
        .describe(
          `What the code should do, in plain language; from 10 characters to the max_prompt_length setting (MAX_PROMPT_LENGTH, at most ${maxPromptLength})`,
        ),
      programming_language: z
        .string()
        .trim()
        .min(1)
        .max(40)
        .describe('A language id or alias from GET /api/languages'),
      include_tests: z.boolean().default(true).describe('Generate unit tests (default true)'),
      include_docs: z.boolean().default(true).describe('Generate documentation (default true)'),
      options: generationOptionsSchema.default({}),
    })
    .meta({ id: 'GenerateRequest' })
}

export const batchGenerateRequestSchema = perLimit(buildBatchSchema)

function buildBatchSchema(maxPromptLength: number) {
  return z
    .strictObject({
      requests: z.array(generateRequestSchema(maxPromptLength)).min(1).max(20),
    })
    .meta({ id: 'BatchGenerateRequest' })
}

const usageSchema = z
  .object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
    llm_calls: z.number().int(),
  })
  .meta({ id: 'GenerationUsage' })

export const ATTEMPT_KINDS = ['syntax', 'test_failure', 'weak_tests'] as const

const attemptSchema = z
  .object({
    stage: z.enum(['code', 'tests']).describe('The file this answer is'),
    kind: z
      .enum(ATTEMPT_KINDS)
      .describe(
        'syntax: the first answer or a repair of a parse error; test_failure: a fix after tests failed in the sandbox; weak_tests: stronger tests after the tests passed on a stub',
      ),
    round: z
      .number()
      .int()
      .describe(
        'The fix round it belongs to: 0 before verification, then 1, 2… (weak_tests: the round after the last fix)',
      ),
    reason: z
      .string()
      .nullable()
      .describe(
        'Why this answer was asked for: the failures quoted back, or that the model corrected the test rather than the code',
      ),
    attempt: z.number().int().describe('1 for the first answer, then one per repair'),
    syntax_valid: z.boolean(),
    syntax_checked_by: z
      .enum(['parser', 'compiler'])
      .describe(
        "Whose verdict syntax_valid is: the parser's in process (tree-sitter, or the TypeScript compiler's parser for JavaScript and TypeScript: the analysis report's syntax_checker), or the language's compiler in the sandbox, which wins when they disagree",
      ),
    syntax_errors: z.array(syntaxErrorSchema),
    finish_reason: z.enum(['stop', 'length', 'content-filter', 'other']),
    continuations: z.number().int().describe('Follow-up calls made because the reply was cut off'),
    truncated: z.boolean().describe('Still cut off after the allowed continuations'),
    code: z.string(),
    usage: usageSchema,
    duration_ms: z.number(),
  })
  .meta({ id: 'GenerationAttempt' })

/** The analysis of a generation's code: the report without what the result says already. */
const generationMetricsSchema = analysisReportSchema.omit({
  programming_language: true,
  filename: true,
  syntax_valid: true,
  syntax_errors: true,
  syntax_warnings: true,
  syntax_checker: true,
})

const generationStageSchema = z.enum(['code', 'tests', 'docs', 'verify', 'metrics'])

export const generationResultSchema = z
  .object({
    id: z.string().describe('Id of the generation in the history'),
    status: z
      .enum(['completed', 'partial', 'failed'])
      .describe(
        'completed: everything asked for is there, parses and, when verification ran, passed; partial: the code parses but tests, docs or verification failed (see errors); failed: no parsing code after the repairs',
      ),
    programming_language: z.string(),
    code: z
      .string()
      .describe('The code; when status is failed, the last attempt, which does not parse'),
    filename: z.string().describe('The file name the tests assume for the code'),
    tests: z
      .object({
        code: z.string(),
        framework: z.string(),
        filename: z.string(),
        syntax_valid: z.boolean(),
      })
      .nullable(),
    documentation: z.object({ content: z.string(), format: z.literal('markdown') }).nullable(),
    verification: verificationSchema.describe(
      'The tests run against the code in the sandbox; status skipped (with the reason) when nothing ran',
    ),
    metrics: generationMetricsSchema
      .nullable()
      .describe('The analysis of the final code, as POST /api/analyze reports it'),
    validation: z.object({
      syntax_valid: z.boolean(),
      syntax_errors: z.array(syntaxErrorSchema),
      repair_attempts: z.number().int(),
      attempts: z.array(attemptSchema),
    }),
    usage: usageSchema,
    timings_ms: z
      .record(z.string(), z.number())
      .describe('queue, code, tests, docs, verify, metrics and total, in milliseconds'),
    model: z.string(),
    provider: z.string(),
    cached: z.boolean().describe('Answered from the cache, without a model call'),
    created_at: z.string(),
    errors: z.array(z.object({ stage: generationStageSchema, detail: z.string() })),
  })
  .meta({ id: 'GenerationResult' })

export const batchGenerateResponseSchema = z
  .object({
    results: z.array(
      z.object({
        index: z.number().int(),
        status: z.enum(['completed', 'partial', 'failed', 'error']),
        result: generationResultSchema.optional(),
        error: errorResponseSchema
          .optional()
          .describe('Why this generation gave no result, in the one error shape'),
      }),
    ),
    summary: z.object({
      total: z.number().int(),
      completed: z.number().int(),
      partial: z.number().int(),
      failed: z.number().int(),
      errors: z.number().int(),
    }),
  })
  .meta({ id: 'BatchGenerateResponse' })

const historySummaryShape = {
  id: z.string(),
  status: z
    .enum(GENERATION_STATUSES)
    .describe(
      'running, then completed, partial, failed, cancelled, or interrupted (the API process running it stopped before it finished)',
    ),
  programming_language: z.string(),
  prompt: z.string(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  usage: usageSchema,
  duration_ms: z.number().nullable(),
  error: z
    .string()
    .nullable()
    .describe('Why it failed, was cancelled or interrupted, or is partial'),
  created_at: z.string(),
  updated_at: z.string(),
}

export const generationSummarySchema = z
  .object(historySummaryShape)
  .meta({ id: 'GenerationSummary' })

export const generationRecordSchema = z
  .object({
    ...historySummaryShape,
    request: z.looseObject({}).describe('The request as received'),
    result: generationResultSchema
      .nullable()
      .describe('The response as returned; null while running or when the model call failed'),
  })
  .meta({ id: 'GenerationRecord' })

/** The paging of a list: a page size, and the cursor the previous page answered. */
export const pageQueryShape = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .min(1)
    .max(500)
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this server issued')
    .optional()
    .describe('next_cursor of the previous page'),
}

/** The `Idempotency-Key` header of the routes that start a generation or a job. */
export const idempotencyHeadersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .describe('Repeat a request with the same key to get the first answer instead of a new one'),
})

/** A list filter's text: trimmed, 1 to `max` characters, no control character. */
export function filterText(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
    .optional()
}

/** `?user=`: an administrator's filter by a user's id or name (ignored for other users). */
export const userFilterSchema = filterText(200).describe(
  "Administrators only: one user's entries, by id or name",
)

export const generationListQuerySchema = z.strictObject({
  ...pageQueryShape,
  programming_language: filterText(40),
  status: z.enum(GENERATION_STATUSES).optional(),
  user: userFilterSchema,
  q: filterText(200).describe(
    'Only generations whose prompt contains this text (ASCII letters in any case)',
  ),
})

export const generationListSchema = z
  .object({
    items: z.array(generationSummarySchema),
    next_cursor: z.string().nullable().describe('Pass as cursor for the next (older) page'),
  })
  .meta({ id: 'GenerationList' })

export const generationIdParamsSchema = z.strictObject({
  id: z.string().min(1).max(100),
})

/** A generation request, validated and with its defaults applied. */
export type GenerationInput = z.output<ReturnType<typeof generateRequestSchema>>
export type GenerationStage = z.output<typeof generationStageSchema>
export type UsageReport = z.output<typeof usageSchema>
/** One model answer for code or tests, as the parse gate judged it. */
export type AttemptReport = z.output<typeof attemptSchema>
export type GenerationMetrics = z.output<typeof generationMetricsSchema>
export type GenerationResult = z.output<typeof generationResultSchema>
