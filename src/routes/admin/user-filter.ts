import type { UserAdmin } from '../../services/access/users.js'

/**
 * The id of the user a `?user=` filter names, by name or by id. Anything else is taken as an id,
 * so a deleted user's id still filters, and an unknown one finds nothing.
 */
export async function userIdOf(
  users: Pick<UserAdmin, 'findByName'>,
  user: string | undefined,
): Promise<string | undefined> {
  if (user === undefined) return undefined
  return (await users.findByName(user))?.id ?? user
}
