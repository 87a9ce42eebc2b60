import { z } from 'zod'
import { budgetsStatusSchema, requestSettingsSchema } from './settings.js'

/** Text a person typed: no control characters, which no name needs and logs should not carry. */
const printable = /^[^\p{Cc}]*$/u

/** A user's name as login and the admin API take it. */
export const userNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(printable, 'must not contain control characters')

/** A password as login and the admin API take it; long enough for any passphrase. */
export const passwordSchema = z.string().min(1).max(1024)

/** A refresh token as login and refresh issued it. */
const refreshTokenSchema = z
  .string()
  .min(1)
  .max(512)
  .describe('The refresh_token of the last login or refresh')

/** `POST /api/auth/login`. */
export const loginRequestSchema = z
  .strictObject({ name: userNameSchema, password: passwordSchema })
  .meta({ id: 'LoginRequest' })

/** `POST /api/auth/refresh` and `POST /api/auth/logout`. */
export const refreshRequestSchema = z
  .strictObject({ refresh_token: refreshTokenSchema })
  .meta({ id: 'RefreshRequest' })

/** What login and refresh answer (RFC 6749, 5.1). */
export const tokenPairSchema = z
  .object({
    access_token: z
      .string()
      .describe('A JWT; send it as Authorization: Bearer <access_token> until it expires'),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().describe('Seconds the access token stays valid'),
    refresh_token: z
      .string()
      .describe(
        'Trade it for a new pair at POST /api/auth/refresh (once: the answer carries a new one); POST /api/auth/logout revokes it',
      ),
  })
  .meta({ id: 'TokenPair' })

/** A budget override; `null` in a PATCH removes it, so the setting's default applies again. */
const limitValue = z.number().int().min(0).max(1e12)

/** A user's budget overrides; a missing field takes the default budget of the runtime settings. */
export const userLimitsSchema = z
  .object({
    requests_per_minute: limitValue.optional().describe('Generations started per minute'),
    concurrent_generations: limitValue.optional().describe('Generations queued or running at once'),
    tokens_per_day: limitValue.optional().describe('Model tokens per UTC day'),
    verify_runs_per_day: limitValue.optional().describe('Sandbox verification runs per UTC day'),
  })
  .describe('Budget overrides of this user; 0 means unlimited, a missing one the default')
  .meta({ id: 'UserLimits' })

/** Budget overrides in `PATCH /api/admin/users/{id}`: null removes one. */
export const userLimitsPatchSchema = z.strictObject({
  requests_per_minute: limitValue.nullable().optional(),
  concurrent_generations: limitValue.nullable().optional(),
  tokens_per_day: limitValue.nullable().optional(),
  verify_runs_per_day: limitValue.nullable().optional(),
})

/** `GET /api/auth/me` with `AUTH=on`: who the credential proves, and what is left to spend. */
const signedInSchema = z.object({
  auth: z.literal('on'),
  id: z.string(),
  name: z.string(),
  admin: z.boolean(),
  via: z
    .enum(['token', 'external', 'api_key'])
    .describe('How the request proved it: a login token, an external issuer token, an API key'),
  limits: userLimitsSchema,
  budgets: budgetsStatusSchema.describe(
    'Each budget as it applies now (the override, else the default of the settings) and its use',
  ),
  settings: requestSettingsSchema,
})

/** `GET /api/auth/me` with `AUTH=off`: the one anonymous client, who may do everything. */
const anonymousSchema = z.object({
  auth: z.literal('off'),
  id: z.null(),
  name: z.null(),
  admin: z.literal(true),
  settings: requestSettingsSchema,
})

export const meSchema = z
  .discriminatedUnion('auth', [signedInSchema, anonymousSchema])
  .meta({ id: 'Me' })

/** `/api/keys/{id}`, `/api/admin/users/{id}`. */
export const idParamsSchema = z.strictObject({ id: z.string().min(1).max(100) })

/** One API key as its owner (or an administrator) sees it: never the key, which is not kept. */
export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string().describe("The owner's label"),
    prefix: z.string().describe('The first characters of the key, to recognise it'),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable().describe('Last use, to the minute; null when never used'),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' })

export const apiKeyListSchema = z
  .object({ items: z.array(apiKeySchema).describe('Newest first, revoked ones included') })
  .meta({ id: 'ApiKeyList' })

/** `POST /api/keys`. */
export const apiKeyCreateSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(printable, 'must not contain control characters')
      .describe('A label, to tell keys apart'),
    expires_in_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe('Days until the key stops working; without it the key does not expire'),
  })
  .meta({ id: 'ApiKeyRequest' })

export const apiKeyCreatedSchema = z
  .object({
    key: z
      .string()
      .describe(
        'The key (vg_…), shown this once: send it as X-API-Key or Authorization: Bearer; only its hash is kept',
      ),
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKeyCreated' })
