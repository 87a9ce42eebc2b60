import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { AppError, NotFoundError, ValidationError } from '../../errors.js'
import type { AccessStore, ApiKeyEntry } from '../../ports/access-store.js'
import type { Clock } from '../../ports/clock.js'
import type { AuditTrail } from './audit.js'
import type { Actor } from './principal.js'

/** Every API key starts with it, so that a leaked one is easy to recognise (secret scanners). */
export const API_KEY_PREFIX = 'vg_'
/** Live (neither revoked nor expired) keys one user may hold. */
export const MAX_LIVE_KEYS = 100
const MAX_LABEL_LENGTH = 100

/**
 * SHA-256 (lowercase hex) of a secret that is itself 256 random bits, an API key or a refresh
 * token: such a secret cannot be guessed, so a fast hash is enough and lets a lookup use an index.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** API keys of programs: `vg_` + 256 random bits, stored as their hash only. */
export class ApiKeys {
  constructor(
    private readonly store: AccessStore,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  /** The digest a key is stored and found by. */
  hashKey(key: string): string {
    return hashSecret(key)
  }

  /**
   * Makes a key for `userId`. The key is in the answer once and nowhere else.
   * @throws ValidationError for an empty label or an expiry not in the future
   * @throws NotFoundError for an unknown user; AppError (409) beyond {@link MAX_LIVE_KEYS}
   */
  async create(
    userId: string,
    input: { name: string; expiresAt: string | null },
    actor: Actor | null,
  ): Promise<{ key: string; entry: ApiKeyEntry }> {
    const label = input.name.trim()
    if (label.length === 0 || label.length > MAX_LABEL_LENGTH)
      throw new ValidationError(`A key's name needs 1 to ${MAX_LABEL_LENGTH} characters`)
    const now = this.clock.now()
    let expiresAt: string | null = null
    if (input.expiresAt !== null) {
      const time = Date.parse(input.expiresAt)
      if (Number.isNaN(time))
        throw new ValidationError(`expires_at '${input.expiresAt}' is not an ISO-8601 time`)
      if (time <= now)
        throw new ValidationError(`expires_at '${input.expiresAt}' is not in the future`)
      expiresAt = new Date(time).toISOString()
    }
    if ((await this.store.getUser(userId)) === null) throw new NotFoundError('User', userId)
    const live = (await this.store.listApiKeys(userId)).filter((entry) => isLive(entry, now))
    if (live.length >= MAX_LIVE_KEYS)
      throw new AppError(
        'APP_ERR_CONFLICT',
        `A user may hold ${MAX_LIVE_KEYS} live API keys; revoke one first`,
      )

    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url')
    const entry: ApiKeyEntry = {
      id: randomUUID(),
      userId,
      name: label,
      keyHash: hashSecret(key),
      prefix: key.slice(0, API_KEY_PREFIX.length + 6),
      createdAt: new Date(now).toISOString(),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    }
    await this.store.createApiKey(entry)
    await this.audit.record({
      actor,
      action: 'key.created',
      target: entry.id,
      detail: { user_id: userId, name: label, prefix: entry.prefix, expires_at: expiresAt },
    })
    return { key, entry }
  }

  /** A user's keys, newest first, revoked and expired ones included. */
  list(userId: string): Promise<ApiKeyEntry[]> {
    return this.store.listApiKeys(userId)
  }

  /** Revokes a live key of `userId`. @throws NotFoundError for another user's or unknown key */
  async revoke(userId: string, id: string, actor: Actor | null): Promise<void> {
    const keys = await this.store.listApiKeys(userId)
    const entry = keys.find((candidate) => candidate.id === id)
    const now = new Date(this.clock.now()).toISOString()
    if (entry === undefined || !(await this.store.revokeApiKey(userId, id, now)))
      throw new NotFoundError('API key', id)
    await this.audit.record({
      actor,
      action: 'key.revoked',
      target: id,
      detail: { user_id: userId, name: entry.name, prefix: entry.prefix },
    })
  }
}

/** Whether a key still opens the door at `now` (milliseconds). */
export function isLive(entry: ApiKeyEntry, now: number): boolean {
  return entry.revokedAt === null && (entry.expiresAt === null || Date.parse(entry.expiresAt) > now)
}
