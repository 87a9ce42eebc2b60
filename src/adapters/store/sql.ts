import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ValidationError } from '../../errors.js'
import type {
  GenerationQuery,
  GenerationRecord,
  GenerationStatus,
  GenerationUpdate,
  InstanceEntry,
} from '../../ports/generation-store.js'
import { migrationsDir } from '../../paths.js'

/** One SQL migration file, `NNN-<verb>-<noun>.sql`, applied once in version order. */
export interface Migration {
  version: string
  sql: string
}

export function readMigrations(directory = migrationsDir): Migration[] {
  return readdirSync(directory)
    .filter((name) => /^\d{3}-[a-z0-9-]+\.sql$/.test(name))
    .sort()
    .map((name) => ({
      version: name.replace(/\.sql$/, ''),
      sql: readFileSync(join(directory, name), 'utf8'),
    }))
}

export const CREATE_MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)'

/** A row of the `generations` table, as both drivers return it. */
export interface GenerationRow {
  id: string
  created_at: string
  updated_at: string
  status: string
  programming_language: string
  provider: string | null
  model: string | null
  request: string
  result: string | null
  attempts: string
  prompt_tokens: number | string
  completion_tokens: number | string
  total_tokens: number | string
  llm_calls: number | string
  duration_ms: number | string | null
  error_code: string | null
  error_detail: string | null
  idempotency_key: string | null
  request_hash: string | null
  instance_id: string | null
  user_id: string | null
}

export const COLUMNS = [
  'id',
  'created_at',
  'updated_at',
  'status',
  'programming_language',
  'provider',
  'model',
  'request',
  'result',
  'attempts',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'llm_calls',
  'duration_ms',
  'error_code',
  'error_detail',
  'idempotency_key',
  'request_hash',
  'instance_id',
  'user_id',
] as const

/** Name of the unique index on `idempotency_key` (migration 002); its violations mean the key is taken. */
export const IDEMPOTENCY_KEY_INDEX = 'generations_idempotency_key_idx'

type Column = (typeof COLUMNS)[number]
type SqlValue = string | number | null

/**
 * Whether a text can be stored or looked up as it is: PostgreSQL refuses a NUL character in
 * a text value (`invalid byte sequence`), so a value holding one can match no row.
 */
export function storable(text: string): boolean {
  return !text.includes('\u0000')
}

/** Free text from an upstream or a model (errors, model names) with NUL characters replaced. */
export function cleanText(text: string | null): string | null {
  return text === null || storable(text) ? text : text.replaceAll('\u0000', '\uFFFD')
}

export function toRow(record: GenerationRecord): Record<Column, SqlValue> {
  return {
    id: record.id,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    status: record.status,
    programming_language: record.programmingLanguage,
    provider: cleanText(record.provider),
    model: cleanText(record.model),
    request: JSON.stringify(record.request ?? null),
    result:
      record.result === null || record.result === undefined ? null : JSON.stringify(record.result),
    attempts: JSON.stringify(record.attempts),
    prompt_tokens: record.usage.promptTokens,
    completion_tokens: record.usage.completionTokens,
    total_tokens: record.usage.totalTokens,
    llm_calls: record.usage.llmCalls,
    duration_ms: record.durationMs,
    error_code: record.error?.code ?? null,
    error_detail: cleanText(record.error?.detail ?? null),
    idempotency_key: record.idempotencyKey,
    request_hash: record.requestHash,
    instance_id: record.instanceId,
    user_id: record.userId,
  }
}

export function fromRow(row: GenerationRow): GenerationRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    status: row.status as GenerationStatus,
    programmingLanguage: row.programming_language,
    provider: row.provider,
    model: row.model,
    request: JSON.parse(row.request) as unknown,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    attempts: JSON.parse(row.attempts) as unknown[],
    usage: {
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      totalTokens: Number(row.total_tokens),
      llmCalls: Number(row.llm_calls),
    },
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    error: row.error_detail === null ? null : { code: row.error_code, detail: row.error_detail },
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    instanceId: row.instance_id,
    userId: row.user_id,
  }
}

/** The columns an update touches, with `updated_at` always among them. */
export function updateColumns(changes: GenerationUpdate, updatedAt: string): [Column, SqlValue][] {
  const row: [Column, SqlValue][] = [['updated_at', updatedAt]]
  if (changes.status !== undefined) row.push(['status', changes.status])
  if (changes.provider !== undefined) row.push(['provider', cleanText(changes.provider)])
  if (changes.model !== undefined) row.push(['model', cleanText(changes.model)])
  if (changes.result !== undefined) {
    row.push(['result', changes.result === null ? null : JSON.stringify(changes.result)])
  }
  if (changes.attempts !== undefined) row.push(['attempts', JSON.stringify(changes.attempts)])
  if (changes.usage !== undefined) {
    row.push(
      ['prompt_tokens', changes.usage.promptTokens],
      ['completion_tokens', changes.usage.completionTokens],
      ['total_tokens', changes.usage.totalTokens],
      ['llm_calls', changes.usage.llmCalls],
    )
  }
  if (changes.durationMs !== undefined) row.push(['duration_ms', changes.durationMs])
  if (changes.error !== undefined) {
    row.push(
      ['error_code', changes.error?.code ?? null],
      ['error_detail', cleanText(changes.error?.detail ?? null)],
    )
  }
  return row
}

/** The cursor is the sort key of the last row of a page, opaque to clients. */
export function encodeCursor(record: Pick<GenerationRecord, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([record.createdAt, record.id])).toString('base64url')
}

/** The sort key a cursor of `encodeCursor` holds. @throws ValidationError for any other text. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value.every((part) => typeof part === 'string' && !/\p{Cc}/u.test(part))
    ) {
      return value as [string, string]
    }
  } catch {
    // fall through to the validation error below
  }
  throw new ValidationError(`Invalid cursor '${cursor}'; pass the next_cursor of a previous page`, [
    { field: 'query.cursor', rule: 'cursor', message: 'is not a cursor this server issued' },
  ])
}

/** The `%` and `_` of a LIKE pattern (and its escape character) taken literally. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`)
}

/**
 * The page query of `list`, for either dialect: `placeholder(n)` writes the n-th parameter
 * (`?` for SQLite, `$n` for PostgreSQL), `prompt` is the dialect's expression of the prompt kept
 * in the `request` JSON. One extra row is fetched to know whether a next page exists.
 */
export function listQuery(
  query: GenerationQuery,
  placeholder: (position: number) => string,
  prompt: string,
): { text: string; parameters: SqlValue[] } {
  const conditions: string[] = []
  const parameters: SqlValue[] = []
  const bind = (value: SqlValue) => {
    parameters.push(value)
    return placeholder(parameters.length)
  }
  if (query.programmingLanguage !== undefined && !storable(query.programmingLanguage)) {
    // No stored language holds a NUL, and PostgreSQL would refuse to compare with one.
    conditions.push('1 = 0')
  } else if (query.programmingLanguage) {
    conditions.push(`programming_language = ${bind(query.programmingLanguage)}`)
  }
  if (query.status) conditions.push(`status = ${bind(query.status)}`)
  if (query.userId !== undefined) {
    conditions.push(storable(query.userId) ? `user_id = ${bind(query.userId)}` : '1 = 0')
  }
  if (query.search) {
    // lower() on both sides: SQLite's folds ASCII letters only, PostgreSQL's every letter.
    conditions.push(
      storable(query.search)
        ? `lower(${prompt}) LIKE lower(${bind(`%${likeLiteral(query.search)}%`)}) ESCAPE '\\'`
        : '1 = 0',
    )
  }
  if (query.cursor) {
    const [createdAt, id] = decodeCursor(query.cursor)
    conditions.push(
      `(created_at < ${bind(createdAt)} OR (created_at = ${bind(createdAt)} AND id < ${bind(id)}))`,
    )
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''
  const text = `SELECT ${COLUMNS.join(', ')} FROM generations ${where} ORDER BY created_at DESC, id DESC LIMIT ${bind(query.limit + 1)}`
  return { text, parameters }
}

/** Upserts a process's heart-beat: parameters id, host, pid, started_at and last_seen (`now`). */
export function heartbeatQuery(placeholder: (position: number) => string): string {
  return `INSERT INTO instances (id, host, pid, started_at, last_seen) VALUES (${placeholder(1)}, ${placeholder(2)}, ${placeholder(3)}, ${placeholder(4)}, ${placeholder(5)}) ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen`
}

export const LIST_INSTANCES = 'SELECT id, host, pid, last_seen FROM instances ORDER BY id'

/** A row of `instances` as both drivers return it. */
export interface InstanceRow {
  id: string
  host: string
  pid: number | string
  last_seen: string
}

export function fromInstanceRow(row: InstanceRow): InstanceEntry {
  return { id: row.id, host: row.host, pid: Number(row.pid), lastSeen: row.last_seen }
}

/**
 * Marks the orphans of `interruptOrphans` and answers their ids; parameters: error code, error
 * detail, now, staleBefore, self, in that order of appearance (SQLite binds `?` by position).
 * Jobs are left out: a job whose worker died is queued again (`JobStore.requeueExpired`).
 */
export function interruptQuery(placeholder: (position: number) => string): string {
  return `UPDATE generations SET status = 'interrupted', error_code = ${placeholder(1)}, error_detail = ${placeholder(2)}, updated_at = ${placeholder(3)} WHERE status = 'running' AND id NOT IN (SELECT id FROM jobs) AND (instance_id IS NULL OR (instance_id NOT IN (SELECT id FROM instances WHERE last_seen >= ${placeholder(4)}) AND instance_id <> ${placeholder(5)})) RETURNING id`
}

/** Drops the heart-beat entries older than its one parameter, staleBefore. */
export function forgetStaleQuery(placeholder: (position: number) => string): string {
  return `DELETE FROM instances WHERE last_seen < ${placeholder(1)}`
}

/** Takes the idempotency key off an interrupted record; parameters: now, id, key. */
export function releaseKeyQuery(placeholder: (position: number) => string): string {
  return `UPDATE generations SET idempotency_key = NULL, updated_at = ${placeholder(1)} WHERE id = ${placeholder(2)} AND idempotency_key = ${placeholder(3)} AND status = 'interrupted'`
}
