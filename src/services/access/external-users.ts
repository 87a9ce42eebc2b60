import { createHash } from 'node:crypto'
import { UserNameTaken, type AccessStore, type UserEntry } from '../../ports/access-store.js'
import type { Clock } from '../../ports/clock.js'
import type { AuditTrail } from './audit.js'
import { newUserEntry, USER_NAME_PATTERN } from './users.js'

/**
 * The user behind an external issuer's token, created on first sight: named after the token's
 * `preferred_username` (or `sub`), made to fit our name rules, and made unique with a suffix
 * derived from the issuer and subject when another user has the name. Such a user has no
 * password and is no administrator; an administrator promotes them.
 */
export class ExternalUsers {
  constructor(
    private readonly store: AccessStore,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  async resolve(issuer: string, subject: string, preferredName: unknown): Promise<UserEntry> {
    const known = await this.store.findUserBySubject(issuer, subject)
    if (known !== null) return known
    const base = toUserName(typeof preferredName === 'string' ? preferredName : subject)
    const suffix = createHash('sha256')
      .update(issuer + subject)
      .digest('hex')
      .slice(0, 6)
    const candidates = [base, `${base.slice(0, 64 - 7)}-${suffix}`]
    for (const name of candidates) {
      const created = await this.tryCreate(issuer, subject, name)
      if (created !== null) return created
      // Another request may have created this very user in the meantime (a unique index decides).
      const raced = await this.store.findUserBySubject(issuer, subject)
      if (raced !== null) return raced
    }
    throw new UserNameTaken(candidates[1]!)
  }

  private async tryCreate(
    issuer: string,
    subject: string,
    name: string,
  ): Promise<UserEntry | null> {
    const now = new Date(this.clock.now()).toISOString()
    const user = newUserEntry({ name, passwordHash: null, admin: false, issuer, subject }, now)
    try {
      await this.store.createUser(user)
    } catch (error) {
      if (error instanceof UserNameTaken) return null
      throw error
    }
    await this.audit.record({
      actor: { id: user.id, name: user.name, ip: null },
      action: 'user.created',
      target: user.id,
      detail: { name, admin: false, source: 'oidc', issuer },
    })
    return user
  }
}

/** `raw` made to match USER_NAME_PATTERN: other characters become '-', at most 64 of them. */
export function toUserName(raw: string): string {
  const name = raw
    .replace(/[^A-Za-z0-9._@-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64)
  return USER_NAME_PATTERN.test(name) ? name : 'user'
}
