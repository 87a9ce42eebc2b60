import { randomUUID } from 'node:crypto'
import { AppError, NotFoundError, ValidationError } from '../../errors.js'
import {
  UserNameTaken,
  type AccessStore,
  type UserChanges,
  type UserEntry,
  type UserLimits,
} from '../../ports/access-store.js'
import type { Clock } from '../../ports/clock.js'
import type { AuditTrail } from './audit.js'
import { generatePassword, hashPassword } from './passwords.js'
import type { Actor } from './principal.js'

/** What a user may be called: it appears in URLs, logs and the CLI, so plain characters only. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/

const LIMIT_KEYS: readonly (keyof UserLimits)[] = [
  'requests_per_minute',
  'concurrent_generations',
  'tokens_per_day',
  'verify_runs_per_day',
]

/** A new user. */
export interface NewUser {
  name: string
  admin?: boolean | undefined
  /** The password in clear (hashed here), or null/absent for none. */
  password?: string | null | undefined
  /** Without a password, make one up and answer it once. */
  generatePassword?: boolean | undefined
}

/** What an administrator changes on a user; absent fields stay as they are. */
export interface UserUpdate {
  admin?: boolean | undefined
  disabled?: boolean | undefined
  /** Replaces the user's budget overrides as a whole; `{}` removes them all. */
  limits?: UserLimits | undefined
  /** A new password in clear; null removes it (the user then cannot log in with one). */
  password?: string | null | undefined
}

/** Refuses a user name outside {@link USER_NAME_PATTERN}. */
export function checkUserName(name: string): void {
  if (!USER_NAME_PATTERN.test(name))
    throw new ValidationError(
      `User name '${name.slice(0, 80)}' is not allowed: 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit`,
    )
}

/** Refuses budget overrides other than non-negative integers of the four known budgets. */
export function checkLimits(limits: unknown): UserLimits {
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits))
    throw new ValidationError('limits must be an object')
  const checked: UserLimits = {}
  for (const [key, value] of Object.entries(limits)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key))
      throw new ValidationError(`Unknown limit '${key}'; known: ${LIMIT_KEYS.join(', ')}`)
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw new ValidationError(`Limit '${key}' must be a non-negative integer`)
    checked[key as keyof UserLimits] = value
  }
  return checked
}

function nameTaken(name: string): AppError {
  return new AppError('APP_ERR_CONFLICT', `A user named '${name}' already exists`)
}

/**
 * A user about to be created at `now`: enabled, with no budget overrides, never logged in. Local
 * users have no issuer; users of an external identity provider no password.
 */
export function newUserEntry(
  fields: Pick<UserEntry, 'name' | 'passwordHash' | 'admin'> &
    Partial<Pick<UserEntry, 'issuer' | 'subject'>>,
  now: string,
): UserEntry {
  return {
    id: randomUUID(),
    disabled: false,
    limits: {},
    issuer: null,
    subject: null,
    createdAt: now,
    updatedAt: now,
    lastLoginAt: null,
    ...fields,
  }
}

/** Users as administrators and the CLI manage them. Every change goes to the audit trail. */
export class UserAdmin {
  constructor(
    private readonly store: AccessStore,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  private now(): string {
    return new Date(this.clock.now()).toISOString()
  }

  /**
   * Creates a user. Answers the generated password when none was given and `generatePassword` is
   * set (shown once: only its hash is kept), else null.
   */
  async create(
    input: NewUser,
    actor: Actor | null,
  ): Promise<{ user: UserEntry; password: string | null }> {
    checkUserName(input.name)
    const generated =
      (input.password === undefined || input.password === null) && input.generatePassword
        ? generatePassword()
        : null
    const password = input.password ?? generated
    const now = this.now()
    const user = newUserEntry(
      {
        name: input.name,
        passwordHash: password === null ? null : await hashPassword(password),
        admin: input.admin ?? false,
      },
      now,
    )
    try {
      await this.store.createUser(user)
    } catch (error) {
      if (error instanceof UserNameTaken) throw nameTaken(input.name)
      throw error
    }
    await this.audit.record({
      actor,
      action: 'user.created',
      target: user.id,
      detail: { name: user.name, admin: user.admin, password: password !== null },
    })
    return { user, password: generated }
  }

  /** Every user, by name. */
  list(): Promise<UserEntry[]> {
    return this.store.listUsers()
  }

  /** @throws NotFoundError */
  async get(id: string): Promise<UserEntry> {
    const user = await this.store.getUser(id)
    if (user === null) throw new NotFoundError('User', id)
    return user
  }

  findByName(name: string): Promise<UserEntry | null> {
    return this.store.findUserByName(name)
  }

  /**
   * Applies `update`. Disabling revokes the user's refresh tokens, and so does a new password.
   * Refuses to demote or disable the last enabled administrator.
   */
  async update(id: string, update: UserUpdate, actor: Actor | null): Promise<UserEntry> {
    const user = await this.get(id)
    const changes: UserChanges = {}
    if (update.admin !== undefined && update.admin !== user.admin) changes.admin = update.admin
    if (update.disabled !== undefined && update.disabled !== user.disabled)
      changes.disabled = update.disabled
    if (update.limits !== undefined) changes.limits = checkLimits(update.limits)
    if (update.password !== undefined)
      changes.passwordHash = update.password === null ? null : await hashPassword(update.password)
    if (changes.admin === false || changes.disabled === true) await this.keepAnAdmin(user)
    if (Object.keys(changes).length === 0) return user

    const now = this.now()
    const updated = await this.store.updateUser(id, changes, now)
    if (updated === null) throw new NotFoundError('User', id)
    if (changes.disabled === true || changes.passwordHash !== undefined)
      await this.store.revokeUserRefreshTokens(id, now)

    if (changes.disabled === true)
      await this.audit.record({
        actor,
        action: 'user.disabled',
        target: id,
        detail: { name: user.name },
      })
    const visible: Record<string, unknown> = {}
    if (changes.admin !== undefined) visible.admin = changes.admin
    if (changes.disabled === false) visible.disabled = false
    if (changes.limits !== undefined) visible.limits = changes.limits
    if (Object.keys(visible).length > 0)
      await this.audit.record({
        actor,
        action: 'user.updated',
        target: id,
        detail: { name: user.name, fields: Object.keys(visible), ...visible },
      })
    if (changes.passwordHash !== undefined)
      await this.audit.record({
        actor,
        action: 'password.changed',
        target: id,
        detail: { name: user.name, removed: changes.passwordHash === null },
      })
    return updated
  }

  /** Deletes a user with their keys and tokens; their generations stay in the history. */
  async delete(id: string, actor: Actor | null): Promise<void> {
    const user = await this.get(id)
    await this.keepAnAdmin(user)
    if (!(await this.store.deleteUser(id))) throw new NotFoundError('User', id)
    await this.audit.record({
      actor,
      action: 'user.deleted',
      target: id,
      detail: { name: user.name },
    })
  }

  /** `verigen users disable NAME`. @throws NotFoundError for an unknown name */
  async disableByName(name: string, actor: Actor | null): Promise<UserEntry> {
    const user = await this.findByName(name)
    if (user === null) throw new NotFoundError('User', name)
    return this.update(user.id, { disabled: true }, actor)
  }

  /** Refuses to take away `user` when they are the last enabled administrator. */
  private async keepAnAdmin(user: UserEntry): Promise<void> {
    if (!user.admin || user.disabled) return
    const admins = (await this.store.listUsers()).filter((entry) => entry.admin && !entry.disabled)
    if (admins.length <= 1)
      throw new AppError(
        'APP_ERR_CONFLICT',
        `User '${user.name}' is the last enabled administrator; make another one first`,
      )
  }
}
