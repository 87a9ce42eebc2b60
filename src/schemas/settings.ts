import { z } from 'zod'

/**
 * Runtime settings (`GET/PATCH /api/admin/settings`) and the usage report (`GET
 * /api/admin/usage`). The limits written here are the only statement of what a setting may be:
 * the route validates a patch with them, and services/settings/runtime-settings.ts validates every
 * row it reads back from the database with them too, so a row written by hand cannot break a
 * process.
 */

const modelNameSchema = z.string().trim().min(1).max(200)

const budgetSchema = z.number().int().min(0).max(1e12)

const budgetFields = {
  requests_per_minute: budgetSchema.describe('Generations a user may start per rolling minute'),
  concurrent_generations: budgetSchema.describe('Generations of a user queued or running at once'),
  tokens_per_day: budgetSchema.describe(
    'Model tokens (prompt + completion) a user may use per UTC day',
  ),
  verify_runs_per_day: budgetSchema.describe(
    'Sandbox verification runs a user may start per UTC day',
  ),
}

/** The default budgets of every user (a user's own limits override them); 0 is no limit. */
export const budgetsSchema = z
  .strictObject(budgetFields)
  .describe("Default budgets of every user; 0 is no limit; a user's own limits override them")
  .meta({ id: 'Budgets' })

const rateLimitFields = {
  requests: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .describe(
      'Requests a client (a user with AUTH=on, else an address) may send per window; 0 is off',
    ),
  window_ms: z.number().int().min(1000).max(86_400_000).describe('The window, in milliseconds'),
}

/** The request rate limit of the API. */
export const rateLimitSchema = z.strictObject(rateLimitFields).meta({ id: 'RateLimit' })

/** The price of one model, in US dollars, for the usage report's cost estimate. */
export const modelPriceSchema = z
  .strictObject({
    input_per_million_tokens: z.number().min(0).max(1e6).describe('USD per million prompt tokens'),
    output_per_million_tokens: z
      .number()
      .min(0)
      .max(1e6)
      .describe('USD per million completion tokens'),
  })
  .meta({ id: 'ModelPrice' })

/** At most this many models have a price. */
export const MAX_PRICED_MODELS = 200

/** Prices by model name. */
export const pricesSchema = z
  .record(modelNameSchema, modelPriceSchema)
  .refine((prices) => Object.keys(prices).length <= MAX_PRICED_MODELS, {
    message: `at most ${MAX_PRICED_MODELS} models may have a price`,
  })
  .describe('Price of each model, by model name; a model without one has no cost estimate')

const allowedModelsSchema = z
  .array(modelNameSchema)
  .max(100)
  .describe('Models a request may name in options.model')

const defaultModelSchema = modelNameSchema
  .nullable()
  .describe('The model of a request that names none; one of allowed_models')

const maxPromptLengthSchema = z
  .number()
  .int()
  .min(10)
  .max(1_000_000)
  .describe('Characters a prompt may have')

const verifyDefaultSchema = z
  .boolean()
  .describe('Whether a generation runs its tests in the sandbox when options.verify is not given')

/** The settings every API and worker process applies, as they are now. */
export const liveSettingsSchema = z
  .strictObject({
    default_model: defaultModelSchema,
    allowed_models: allowedModelsSchema,
    max_prompt_length: maxPromptLengthSchema,
    verify_default: verifyDefaultSchema,
    budgets: budgetsSchema,
    rate_limit: rateLimitSchema,
    prices: pricesSchema,
  })
  .meta({ id: 'Settings' })

/**
 * What any user may know of the settings, to shape a request before sending it (the UI's prompt
 * counter, model picker and verification toggle); `GET /api/auth/me` answers it.
 */
export const requestSettingsSchema = liveSettingsSchema
  .pick({
    default_model: true,
    allowed_models: true,
    max_prompt_length: true,
    verify_default: true,
  })
  .describe('The runtime settings that shape a generation request')
  .meta({ id: 'RequestSettings' })

/** The settings every API and worker process applies, as they are now. */
export type LiveSettings = z.infer<typeof liveSettingsSchema>

/** The top-level settings, each stored as one row. */
export const SETTING_KEYS = [
  'default_model',
  'allowed_models',
  'max_prompt_length',
  'verify_default',
  'budgets',
  'rate_limit',
  'prices',
] as const satisfies readonly (keyof LiveSettings)[]

export type SettingKey = (typeof SETTING_KEYS)[number]

/**
 * What one stored row may hold, by key. `budgets` and `rate_limit` rows hold only the fields an
 * administrator set; the environment gives the others.
 */
export const storedSettingSchemas = {
  default_model: defaultModelSchema,
  allowed_models: allowedModelsSchema,
  max_prompt_length: maxPromptLengthSchema,
  verify_default: verifyDefaultSchema,
  budgets: budgetsSchema.partial(),
  rate_limit: rateLimitSchema.partial(),
  prices: pricesSchema,
} as const satisfies Record<SettingKey, z.ZodType>

/**
 * `PATCH /api/admin/settings`, merged like a JSON merge patch (RFC 7396): an absent key stays as
 * it is; `null` puts a setting (or one field of `budgets` or `rate_limit`, or one model's price)
 * back to its starting value from the environment; `budgets`, `rate_limit` and `prices` change
 * only the fields or models they name.
 */
export const settingsPatchSchema = z
  .strictObject({
    default_model: defaultModelSchema.optional(),
    allowed_models: allowedModelsSchema.nullable().optional(),
    max_prompt_length: maxPromptLengthSchema.nullable().optional(),
    verify_default: verifyDefaultSchema.nullable().optional(),
    budgets: z
      .strictObject(nullableFields(budgetFields))
      .partial()
      .nullable()
      .optional()
      .describe('The default budgets to change; a null field goes back to its BUDGET_* value'),
    rate_limit: z
      .strictObject(nullableFields(rateLimitFields))
      .partial()
      .nullable()
      .optional()
      .describe('The rate limit to change; a null field goes back to its RATE_LIMIT_* value'),
    prices: z
      .record(modelNameSchema, modelPriceSchema.nullable())
      .nullable()
      .optional()
      .describe('Prices to set, by model; a model set to null loses its price'),
  })
  .describe(
    "Settings to change; absent ones stay, null puts one back to its value from the environment. default_model: null means the environment's model",
  )
  .meta({ id: 'SettingsPatch' })

/** A validated settings patch. */
export type SettingsPatch = z.infer<typeof settingsPatchSchema>

function nullableFields<Shape extends Record<string, z.ZodType>>(
  shape: Shape,
): { [Key in keyof Shape]: z.ZodNullable<Shape[Key]> } {
  return Object.fromEntries(
    Object.entries(shape).map(([key, schema]) => [key, schema.nullable()]),
  ) as { [Key in keyof Shape]: z.ZodNullable<Shape[Key]> }
}

/** `GET /api/admin/settings`. */
export const settingsDescriptionSchema = z
  .object({
    settings: liveSettingsSchema.describe('What every process applies now'),
    defaults: liveSettingsSchema.describe('The starting values, from the environment'),
    overridden: z
      .array(z.enum(SETTING_KEYS))
      .describe('Settings stored in the database, which override the environment'),
    updated_at: z
      .string()
      .nullable()
      .describe('When a stored setting last changed (ISO-8601), or null when none is stored'),
  })
  .meta({ id: 'SettingsDescription' })

/** `GET /api/admin/settings`. */
export type SettingsDescription = z.infer<typeof settingsDescriptionSchema>

const budgetStatusSchema = z.object({
  limit: z.number().int().describe('0 is no limit'),
  used: z.number().int(),
  resets_at: z
    .string()
    .nullable()
    .describe('When use starts counting afresh (ISO-8601); null when it is not time-bound'),
})

/** What a user has used of each budget, for `GET /api/auth/me`. */
export const budgetsStatusSchema = z
  .object({
    requests_per_minute: budgetStatusSchema.describe('Generations started in the last minute'),
    concurrent_generations: budgetStatusSchema.describe('Generations queued or running now'),
    tokens_per_day: budgetStatusSchema.describe('Model tokens used since 00:00 UTC'),
    verify_runs_per_day: budgetStatusSchema.describe('Verification runs since 00:00 UTC'),
  })
  .meta({ id: 'BudgetsStatus' })

/** What a user has used of each budget. */
export type BudgetsStatus = z.infer<typeof budgetsStatusSchema>

/** `GET /api/admin/usage` query. */
export const usageQuerySchema = z.strictObject({
  from: z
    .string()
    .optional()
    .describe('Start, inclusive: ISO-8601 date or time (default: 30 days before `to`)'),
  to: z
    .string()
    .optional()
    .describe(
      'End, exclusive: ISO-8601 time, or a date, which counts that whole day (default: now)',
    ),
  user: z.string().min(1).max(200).optional().describe('Only this user (id)'),
})

const usageCountsShape = {
  generations: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  verify_runs: z.number().int(),
  estimated_cost_usd: z
    .number()
    .nullable()
    .describe('From the prices setting; null when the model has no price'),
}

/** `GET /api/admin/usage`: use by UTC day, user and model. */
export const usageReportSchema = z
  .object({
    from: z.string().describe('ISO-8601, inclusive'),
    to: z.string().describe('ISO-8601, exclusive'),
    rows: z.array(
      z.object({
        day: z.string().describe('YYYY-MM-DD (UTC)'),
        user_id: z.string().nullable().describe('null: requests made while AUTH=off'),
        user: z.string().nullable().describe("The user's name; null when anonymous or deleted"),
        model: z.string().nullable().describe('null for verification runs, which use no model'),
        ...usageCountsShape,
      }),
    ),
    totals: z
      .object({
        ...usageCountsShape,
        estimated_cost_usd: z
          .number()
          .nullable()
          .describe('Sum of the rows that have a cost; null when none has'),
      })
      .describe('Sums of the rows'),
    unpriced_models: z
      .array(z.string())
      .describe('Models used in the period that have no price, so no cost in the totals'),
  })
  .meta({ id: 'UsageReport' })

/** `GET /api/admin/usage`. */
export type UsageReportBody = z.infer<typeof usageReportSchema>
