/** The SQL of the access store, for both dialects (templates as `sql-program.ts` describes them). */
import type {
  ApiKeyEntry,
  AuditEntry,
  RefreshTokenEntry,
  SettingEntry,
  UserChanges,
  UserEntry,
  UserLimits,
} from '../../ports/access-store.js'
import type { Parameters, SqlValue } from './sql-program.js'

/** Names of the unique indexes of migration 006 whose violation means a user name is taken. */
export const USER_UNIQUE_INDEXES = ['users_name_idx', 'users_subject_idx']

/** A write to `touchApiKey` happens at most once per this many milliseconds per key. */
export const TOUCH_INTERVAL_MS = 60_000

// Users

/** A row of `users` as both drivers return it (booleans are INTEGER 0/1, limits JSON text). */
export interface UserRow {
  id: string
  name: string
  password_hash: string | null
  admin: number | string
  disabled: number | string
  limits: string
  issuer: string | null
  subject: string | null
  created_at: string
  updated_at: string
  last_login_at: string | null
}

const USER_COLUMNS =
  'id, name, password_hash, admin, disabled, limits, issuer, subject, created_at, updated_at, last_login_at'

export const INSERT_USER = `INSERT INTO users (${USER_COLUMNS}) VALUES (:id, :name, :passwordHash, :admin, :disabled, :limits, :issuer, :subject, :createdAt, :updatedAt, :lastLoginAt)`
export const GET_USER = `SELECT ${USER_COLUMNS} FROM users WHERE id = :id`
export const FIND_USER_BY_NAME = `SELECT ${USER_COLUMNS} FROM users WHERE name = :name`
export const FIND_USER_BY_SUBJECT = `SELECT ${USER_COLUMNS} FROM users WHERE issuer = :issuer AND subject = :subject`
export const LIST_USERS = `SELECT ${USER_COLUMNS} FROM users`
export const DELETE_USER = 'DELETE FROM users WHERE id = :id'
export const DELETE_USER_KEYS = 'DELETE FROM api_keys WHERE user_id = :id'
export const DELETE_USER_TOKENS = 'DELETE FROM refresh_tokens WHERE user_id = :id'
export const COUNT_USERS = 'SELECT COUNT(*) AS users, COALESCE(SUM(admin), 0) AS admins FROM users'

export function userParameters(user: UserEntry): Parameters {
  return {
    id: user.id,
    name: user.name,
    passwordHash: user.passwordHash,
    admin: user.admin ? 1 : 0,
    disabled: user.disabled ? 1 : 0,
    limits: JSON.stringify(user.limits),
    issuer: user.issuer,
    subject: user.subject,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    lastLoginAt: user.lastLoginAt,
  }
}

export function fromUserRow(row: UserRow): UserEntry {
  return {
    id: row.id,
    name: row.name,
    passwordHash: row.password_hash,
    admin: Number(row.admin) !== 0,
    disabled: Number(row.disabled) !== 0,
    limits: JSON.parse(row.limits) as UserLimits,
    issuer: row.issuer,
    subject: row.subject,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
  }
}

/** The update of `updateUser`: `updated_at` and the columns `changes` names, by `:id`. */
export function updateUserSql(
  changes: UserChanges,
  now: string,
): { sql: string; parameters: Parameters } {
  const parameters: Parameters = { updatedAt: now }
  const assignments = ['updated_at = :updatedAt']
  const set = (column: string, name: string, value: SqlValue) => {
    assignments.push(`${column} = :${name}`)
    parameters[name] = value
  }
  if (changes.admin !== undefined) set('admin', 'admin', changes.admin ? 1 : 0)
  if (changes.disabled !== undefined) set('disabled', 'disabled', changes.disabled ? 1 : 0)
  if (changes.limits !== undefined) set('limits', 'limits', JSON.stringify(changes.limits))
  if (changes.passwordHash !== undefined) set('password_hash', 'passwordHash', changes.passwordHash)
  if (changes.lastLoginAt !== undefined) set('last_login_at', 'lastLoginAt', changes.lastLoginAt)
  return { sql: `UPDATE users SET ${assignments.join(', ')} WHERE id = :id`, parameters }
}

// API keys

export interface ApiKeyRow {
  id: string
  user_id: string
  name: string
  key_hash: string
  prefix: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

const API_KEY_COLUMNS =
  'id, user_id, name, key_hash, prefix, created_at, expires_at, last_used_at, revoked_at'

export const INSERT_API_KEY = `INSERT INTO api_keys (${API_KEY_COLUMNS}) VALUES (:id, :userId, :name, :keyHash, :prefix, :createdAt, :expiresAt, :lastUsedAt, :revokedAt)`
export const FIND_API_KEY = `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE key_hash = :keyHash`
export const LIST_API_KEYS = `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE user_id = :userId ORDER BY created_at DESC, id DESC`
export const REVOKE_API_KEY =
  'UPDATE api_keys SET revoked_at = :now WHERE id = :id AND user_id = :userId AND revoked_at IS NULL'
/** Writes only when the last recorded use is older than `:staleBefore`: a busy key costs no write. */
export const TOUCH_API_KEY =
  'UPDATE api_keys SET last_used_at = :now WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :staleBefore)'

export function apiKeyParameters(key: ApiKeyEntry): Parameters {
  return {
    id: key.id,
    userId: key.userId,
    name: key.name,
    keyHash: key.keyHash,
    prefix: key.prefix,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
  }
}

export function fromApiKeyRow(row: ApiKeyRow): ApiKeyEntry {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    keyHash: row.key_hash,
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }
}

// Refresh tokens

export interface RefreshTokenRow {
  id: string
  user_id: string
  token_hash: string
  family: string
  created_at: string
  expires_at: string
  revoked_at: string | null
}

const REFRESH_TOKEN_COLUMNS = 'id, user_id, token_hash, family, created_at, expires_at, revoked_at'

export const INSERT_REFRESH_TOKEN = `INSERT INTO refresh_tokens (${REFRESH_TOKEN_COLUMNS}) VALUES (:id, :userId, :tokenHash, :family, :createdAt, :expiresAt, :revokedAt)`
export const FIND_REFRESH_TOKEN = `SELECT ${REFRESH_TOKEN_COLUMNS} FROM refresh_tokens WHERE token_hash = :tokenHash`
/** Of two transactions revoking one token, the second finds `revoked_at` set and changes nothing. */
export const REVOKE_REFRESH_TOKEN =
  'UPDATE refresh_tokens SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL'
export const REVOKE_REFRESH_FAMILY =
  'UPDATE refresh_tokens SET revoked_at = :now WHERE family = :family AND revoked_at IS NULL'
export const REVOKE_USER_REFRESH_TOKENS =
  'UPDATE refresh_tokens SET revoked_at = :now WHERE user_id = :userId AND revoked_at IS NULL'

export function refreshTokenParameters(token: RefreshTokenEntry): Parameters {
  return {
    id: token.id,
    userId: token.userId,
    tokenHash: token.tokenHash,
    family: token.family,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
  }
}

export function fromRefreshTokenRow(row: RefreshTokenRow): RefreshTokenEntry {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    family: row.family,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }
}

// Audit

export interface AuditRow {
  id: string
  at: string
  actor_id: string | null
  actor_name: string | null
  action: string
  target: string | null
  detail: string
  ip: string | null
}

const AUDIT_COLUMNS = 'id, at, actor_id, actor_name, action, target, detail, ip'

export const INSERT_AUDIT = `INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES (:id, :at, :actorId, :actorName, :action, :target, :detail, :ip)`

/** The filters `listAuditSql` and `countAuditSql` add, each by its own parameter. */
export interface AuditFilters {
  /** `:action` exactly, or starting with `:actionPrefix` (its length `:prefixLength`). */
  actionFamily?: boolean
  actorId?: boolean
  from?: boolean
  to?: boolean
  /** The keyset condition after `(:cursorAt, :cursorId)`. */
  cursor?: boolean
}

function auditConditions(filters: AuditFilters): string[] {
  const conditions: string[] = []
  // substr, not LIKE: SQLite's LIKE ignores case and both treat `_` as a wildcard.
  if (filters.actionFamily) {
    conditions.push('(action = :action OR substr(action, 1, :prefixLength) = :actionPrefix)')
  }
  if (filters.actorId) conditions.push('actor_id = :actorId')
  if (filters.from) conditions.push('at >= :from')
  if (filters.to) conditions.push('at < :to')
  if (filters.cursor) {
    conditions.push('(at < :cursorAt OR (at = :cursorAt AND id < :cursorId))')
  }
  return conditions
}

const where = (conditions: string[]) =>
  conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''

/** A page of the audit trail, newest first; `:limit` rows. */
export function listAuditSql(filters: AuditFilters): string {
  return `SELECT ${AUDIT_COLUMNS} FROM audit_log ${where(auditConditions(filters))} ORDER BY at DESC, id DESC LIMIT :limit`
}

/** Entries of `:action` since `:since`, by `:target`, by `:ip`, or by either when both are given. */
export function countAuditSql(match: { target: boolean; ip: boolean }): string {
  const conditions = ['action = :action', 'at >= :since']
  const either = [match.target ? 'target = :target' : null, match.ip ? 'ip = :ip' : null].filter(
    (condition) => condition !== null,
  )
  if (either.length > 0) conditions.push(`(${either.join(' OR ')})`)
  return `SELECT COUNT(*) AS count FROM audit_log ${where(conditions)}`
}

export function auditParameters(entry: AuditEntry, clean: (text: string) => string): Parameters {
  const cleanOrNull = (text: string | null) => (text === null ? null : clean(text))
  return {
    id: entry.id,
    at: entry.at,
    actorId: cleanOrNull(entry.actorId),
    actorName: cleanOrNull(entry.actorName),
    action: clean(entry.action),
    target: cleanOrNull(entry.target),
    detail: JSON.stringify(entry.detail ?? {}),
    ip: cleanOrNull(entry.ip),
  }
}

export function fromAuditRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    target: row.target,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    ip: row.ip,
  }
}

// Settings

export interface SettingRow {
  key: string
  value: string
  updated_at: string
  updated_by: string | null
}

export const LIST_SETTINGS = 'SELECT key, value, updated_at, updated_by FROM settings ORDER BY key'
export const PUT_SETTING =
  'INSERT INTO settings (key, value, updated_at, updated_by) VALUES (:key, :value, :updatedAt, :updatedBy) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by'
export const DELETE_SETTING = 'DELETE FROM settings WHERE key = :key'

export function fromSettingRow(row: SettingRow): SettingEntry {
  return {
    key: row.key,
    value: JSON.parse(row.value) as unknown,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  }
}

// Verification runs and usage

export const INSERT_VERIFY_RUN =
  'INSERT INTO verify_runs (id, user_id, created_at, source) VALUES (:id, :userId, :at, :source)'

/** `user_id = :userId`, or `user_id IS NULL` for the anonymous user. */
const ownedBy = (anonymous: boolean) => (anonymous ? 'user_id IS NULL' : 'user_id = :userId')

/** One row: generations, oldest, tokens, verify_runs and active of a user since `:since`. */
export function usageSinceSql(anonymous: boolean): string {
  const owner = ownedBy(anonymous)
  return `SELECT recent.generations, recent.oldest, recent.tokens, (SELECT COUNT(*) FROM verify_runs WHERE ${owner} AND created_at >= :since) AS verify_runs, (SELECT COUNT(*) FROM generations WHERE ${owner} AND status IN ('queued', 'running')) AS active FROM (SELECT COUNT(*) AS generations, MIN(created_at) AS oldest, COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS tokens FROM generations WHERE ${owner} AND created_at >= :since) recent`
}

export interface UsageSinceRow {
  generations: number | string
  oldest: string | null
  tokens: number | string
  verify_runs: number | string
  active: number | string
}

const DAY = 'substr(created_at, 1, 10)'

/** Generations in `[:from, :to)` by UTC day, user and model (only `:userId`'s with `oneUser`). */
export function usageGenerationsSql(oneUser: boolean): string {
  const user = oneUser ? ' AND user_id = :userId' : ''
  return `SELECT ${DAY} AS day, user_id, model, COUNT(*) AS generations, COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens, COALESCE(SUM(completion_tokens), 0) AS completion_tokens FROM generations WHERE created_at >= :from AND created_at < :to${user} GROUP BY ${DAY}, user_id, model`
}

/** Verification runs in `[:from, :to)` by UTC day and user. */
export function usageVerifyRunsSql(oneUser: boolean): string {
  const user = oneUser ? ' AND user_id = :userId' : ''
  return `SELECT ${DAY} AS day, user_id, COUNT(*) AS verify_runs FROM verify_runs WHERE created_at >= :from AND created_at < :to${user} GROUP BY ${DAY}, user_id`
}

export interface UsageGenerationsRow {
  day: string
  user_id: string | null
  model: string | null
  generations: number | string
  prompt_tokens: number | string
  completion_tokens: number | string
}

export interface UsageVerifyRunsRow {
  day: string
  user_id: string | null
  verify_runs: number | string
}
