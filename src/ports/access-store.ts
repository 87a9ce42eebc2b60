/**
 * Who may use the service and what they used: users, their API keys and refresh tokens, the
 * audit trail, the runtime settings and the verification runs counted against budgets. Kept in
 * the database of the generation history (`GenerationStore.access`), so that every API and worker
 * process sharing it sees the same users, revocations and settings.
 *
 * Secrets never reach this port in clear: passwords arrive hashed (scrypt), API keys and refresh
 * tokens as SHA-256 digests. `test/contracts/access-store.contract.ts` is the specification.
 */

/** Budgets of one user; a missing field falls back to the default budgets of the settings. */
export interface UserLimits {
  /** Generations started per rolling minute. */
  requests_per_minute?: number
  /** Generations queued or running at once. */
  concurrent_generations?: number
  /** Model tokens (prompt + completion) per UTC day. */
  tokens_per_day?: number
  /** Sandbox verification runs per UTC day (`POST /api/verify` and verifying generations). */
  verify_runs_per_day?: number
}

export interface UserEntry {
  id: string
  /** Unique; what `login` and the CLI name the user by. */
  name: string
  /** `scrypt$…` (see services/access/passwords.ts), or null for a user who cannot log in with one. */
  passwordHash: string | null
  admin: boolean
  disabled: boolean
  limits: UserLimits
  /** For a user created from an external identity provider's token: its `iss` and `sub`. */
  issuer: string | null
  subject: string | null
  /** ISO-8601. */
  createdAt: string
  updatedAt: string
  lastLoginAt: string | null
}

/** Fields an administrator may change; absent ones stay as they are. */
export type UserChanges = Partial<
  Pick<UserEntry, 'admin' | 'disabled' | 'limits' | 'passwordHash' | 'lastLoginAt'>
>

/**
 * Thrown by `createUser` when the name (or the issuer and subject) is already taken. A unique
 * index decides, so of two processes racing to create one name exactly one wins.
 */
export class UserNameTaken extends Error {
  override readonly name = 'UserNameTaken'

  constructor(readonly userName: string) {
    super(`A user named '${userName}' already exists`)
  }
}

export interface ApiKeyEntry {
  id: string
  userId: string
  /** The owner's label for it. */
  name: string
  /** SHA-256 of the whole key (lowercase hex); the key itself is never stored. */
  keyHash: string
  /** The first characters of the key (`vg_` + 6), to recognise it in a list. */
  prefix: string
  createdAt: string
  expiresAt: string | null
  lastUsedAt: string | null
  revokedAt: string | null
}

export interface RefreshTokenEntry {
  id: string
  userId: string
  /** SHA-256 of the token (lowercase hex). */
  tokenHash: string
  /**
   * The login the token descends from: refreshing replaces a token by a new one of the same
   * family, and presenting a replaced token again revokes the whole family (reuse detection).
   */
  family: string
  createdAt: string
  expiresAt: string
  revokedAt: string | null
}

/** One line of the audit trail. */
export interface AuditEntry {
  id: string
  /** ISO-8601. */
  at: string
  /** The user who acted, or null for the CLI, an anonymous client or the system. */
  actorId: string | null
  actorName: string | null
  /** Dotted verb: `login`, `login.failed`, `user.created`, `key.revoked`, `settings.changed`… */
  action: string
  /** What it acted on (a user id or name, a key id, a setting). */
  target: string | null
  /** Further facts (JSON); never a secret. */
  detail: Record<string, unknown>
  /** The client's address, when the action came over HTTP. */
  ip: string | null
}

export interface AuditQuery {
  limit: number
  cursor?: string | undefined
  /** Only this action, or actions starting with it followed by a dot (`login` matches `login.failed`). */
  action?: string | undefined
  actorId?: string | undefined
  /** ISO-8601 bounds, inclusive `from`, exclusive `to`. */
  from?: string | undefined
  to?: string | undefined
}

export interface AuditPage {
  /** Newest first. */
  items: AuditEntry[]
  nextCursor: string | null
}

/** One stored runtime setting: its name and JSON value. */
export interface SettingEntry {
  key: string
  value: unknown
  updatedAt: string
  /** Id of the user who changed it last, or null (CLI, system). */
  updatedBy: string | null
}

/** What one user (or the anonymous user, `userId` null) has used since a point in time. */
export interface UsageSince {
  /** Generations created since then. */
  generations: number
  /** ISO-8601 creation time of the oldest of those generations, or null when there is none. */
  oldestGeneration: string | null
  /** Prompt + completion tokens of those generations. */
  tokens: number
  /** Verification runs recorded since then. */
  verifyRuns: number
  /** Generations of the user now `queued` or `running` (whenever created). */
  active: number
}

export interface UsageQuery {
  /** ISO-8601 bounds, inclusive `from`, exclusive `to`. */
  from: string
  to: string
  /** Only this user's usage. */
  userId?: string | undefined
}

/** One row of the usage report: a user's use of one model on one UTC day. */
export interface UsageRow {
  /** `YYYY-MM-DD` (UTC). */
  day: string
  userId: string | null
  /** The model the generations named; null for verification runs, which use none. */
  model: string | null
  generations: number
  promptTokens: number
  completionTokens: number
  verifyRuns: number
}

/** See the module comment. Every method may throw `DependencyError` when the database is down. */
export interface AccessStore {
  /** @throws UserNameTaken when the name, or the non-null issuer and subject, are taken. */
  createUser(user: UserEntry): Promise<void>
  getUser(id: string): Promise<UserEntry | null>
  findUserByName(name: string): Promise<UserEntry | null>
  findUserBySubject(issuer: string, subject: string): Promise<UserEntry | null>
  /** Every user, by name. */
  listUsers(): Promise<UserEntry[]>
  /** Applies `changes` and bumps `updatedAt` to `now`; answers the new entry, or null when unknown. */
  updateUser(id: string, changes: UserChanges, now: string): Promise<UserEntry | null>
  /**
   * Deletes the user with their keys and refresh tokens; their generations stay in the history
   * (an administrator still sees them). Answers false when the id is unknown.
   */
  deleteUser(id: string): Promise<boolean>
  /** Number of users, and of administrators among them (the first admin is made by the CLI). */
  countUsers(): Promise<{ users: number; admins: number }>

  createApiKey(key: ApiKeyEntry): Promise<void>
  /** The key whose hash this is, revoked or expired ones included (the caller decides). */
  findApiKey(keyHash: string): Promise<ApiKeyEntry | null>
  /** A user's keys, newest first, revoked ones included. */
  listApiKeys(userId: string): Promise<ApiKeyEntry[]>
  /** Marks a key of `userId` revoked at `now`; answers false when that user has no such live key. */
  revokeApiKey(userId: string, id: string, now: string): Promise<boolean>
  /** Records a use; writes at most once a minute per key, so a busy key costs no write per request. */
  touchApiKey(id: string, now: string): Promise<void>

  createRefreshToken(token: RefreshTokenEntry): Promise<void>
  findRefreshToken(tokenHash: string): Promise<RefreshTokenEntry | null>
  /**
   * Revokes the token at `now` if it is still live, atomically: of two refreshes racing with one
   * token exactly one gets true.
   */
  revokeRefreshToken(id: string, now: string): Promise<boolean>
  /** Revokes every live token of a family (reuse detected) or of a user (disabled, deleted). */
  revokeRefreshFamily(family: string, now: string): Promise<void>
  revokeUserRefreshTokens(userId: string, now: string): Promise<void>

  appendAudit(entry: AuditEntry): Promise<void>
  listAudit(query: AuditQuery): Promise<AuditPage>
  /**
   * Number of audit entries with `action` since `since` whose `target` is `target` (when given)
   * or whose `ip` is `ip` (when given): the login limiter counts failed logins with it.
   */
  countAudit(
    action: string,
    since: string,
    match: { target?: string; ip?: string },
  ): Promise<number>

  /** Every stored setting. */
  listSettings(): Promise<SettingEntry[]>
  /** Writes the given settings in one transaction; `null` values delete the setting. */
  putSettings(values: Record<string, unknown>, now: string, updatedBy: string | null): Promise<void>

  /** Counts one verification run of `userId` (null: anonymous) at `at`. */
  recordVerifyRun(run: {
    id: string
    userId: string | null
    at: string
    source: string
  }): Promise<void>
  /** What `userId` used since `since` (ISO-8601); `active` counts regardless of `since`. */
  usageSince(userId: string | null, since: string): Promise<UsageSince>
  /** Usage by UTC day, user and model in `[from, to)`, oldest day first. */
  usageReport(query: UsageQuery): Promise<UsageRow[]>
}
