import type { ApiKeyEntry } from '../../ports/access-store.js'

/** An API key as its owner or an administrator sees it: never its hash. */
export function keyView(entry: ApiKeyEntry) {
  return {
    id: entry.id,
    name: entry.name,
    prefix: entry.prefix,
    created_at: entry.createdAt,
    expires_at: entry.expiresAt,
    last_used_at: entry.lastUsedAt,
    revoked_at: entry.revokedAt,
  }
}
