import { z } from 'zod'
import { pageQueryShape } from './generation.js'
import { passwordSchema, userLimitsPatchSchema, userLimitsSchema, userNameSchema } from './auth.js'

/** A user as the admin API shows one: never a password hash. */
export const userViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    admin: z.boolean(),
    disabled: z.boolean().describe('A disabled user cannot log in, and their keys and tokens fail'),
    limits: userLimitsSchema,
    external: z
      .boolean()
      .describe('Created from an external identity provider token (JWT_JWKS_URL), on first sight'),
    created_at: z.string(),
    updated_at: z.string(),
    last_login_at: z.string().nullable(),
  })
  .meta({ id: 'User' })

export const userListSchema = z
  .object({ items: z.array(userViewSchema).describe('Every user, by name') })
  .meta({ id: 'UserList' })

/** `POST /api/admin/users`. */
export const userCreateSchema = z
  .strictObject({
    name: userNameSchema.describe('Unique; what the user logs in with'),
    admin: z.boolean().default(false),
    password: passwordSchema
      .optional()
      .describe('Without it a password is generated and answered, this once'),
  })
  .meta({ id: 'UserRequest' })

export const userCreatedSchema = z
  .object({
    user: userViewSchema,
    password: z
      .string()
      .optional()
      .describe('The generated password, shown this once; absent when the request gave one'),
  })
  .meta({ id: 'UserCreated' })

/** `PATCH /api/admin/users/{id}`: absent fields stay as they are. */
export const userPatchSchema = z
  .strictObject({
    admin: z.boolean().optional(),
    disabled: z
      .boolean()
      .optional()
      .describe("Disabling revokes the user's refresh tokens; their keys fail while disabled"),
    limits: userLimitsPatchSchema
      .optional()
      .describe('Budget overrides to set; null removes one, so the default applies again'),
    password: passwordSchema.optional(),
  })
  .meta({ id: 'UserPatch' })

/** `/api/admin/users/{id}/keys/{keyId}`. */
export const userKeyParamsSchema = z.strictObject({
  id: z.string().min(1).max(100),
  keyId: z.string().min(1).max(100),
})

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** A bound of a time range in a query: ISO-8601 date and time, or a day (`YYYY-MM-DD`, UTC). */
const dateSchema = z
  .string()
  .max(40)
  .refine((value) => !Number.isNaN(Date.parse(DAY.test(value) ? `${value}T00:00:00Z` : value)), {
    message: 'is not an ISO-8601 date (YYYY-MM-DD) or date and time',
  })

/** The start of a range as ISO-8601: a day starts at its UTC midnight. */
export function rangeStart(value: string): string {
  return new Date(DAY.test(value) ? `${value}T00:00:00Z` : value).toISOString()
}

/** The (exclusive) end of a range as ISO-8601: a day is included whole. */
export function rangeEnd(value: string): string {
  if (!DAY.test(value)) return new Date(value).toISOString()
  const end = new Date(`${value}T00:00:00Z`)
  end.setUTCDate(end.getUTCDate() + 1)
  return end.toISOString()
}

const userFilter = z.string().min(1).max(100).describe("Who acted: a user's id or name").optional()

/** `GET /api/admin/audit`. */
export const auditQuerySchema = z.strictObject({
  ...pageQueryShape,
  action: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9_.-]+$/, 'is not an action name (login, login.failed, key.created…)')
    .optional()
    .describe('This action, and the ones under it: login matches login.failed'),
  user: userFilter,
  from: dateSchema.optional().describe('From this day (YYYY-MM-DD) or instant, included'),
  to: dateSchema.optional().describe('To this day, included whole, or this instant, excluded'),
})

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor_id: z.string().nullable().describe('Null for the CLI, the system or an anonymous client'),
    actor_name: z.string().nullable(),
    action: z
      .string()
      .describe('login, login.failed, user.created, key.revoked, settings.changed…'),
    target: z.string().nullable().describe('What it acted on: a user, a key, a setting'),
    detail: z.record(z.string(), z.unknown()).describe('Further facts; never a secret'),
    ip: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' })

export const auditPageSchema = z
  .object({
    items: z.array(auditEntrySchema).describe('Newest first'),
    next_cursor: z.string().nullable().describe('Pass as cursor for the next (older) page'),
  })
  .meta({ id: 'AuditPage' })
