import type { UserEntry } from '../../ports/access-store.js'

/** A user as the admin API shows one: never the password hash. */
export function userView(user: UserEntry) {
  return {
    id: user.id,
    name: user.name,
    admin: user.admin,
    disabled: user.disabled,
    limits: user.limits,
    external: user.issuer !== null,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    last_login_at: user.lastLoginAt,
  }
}
