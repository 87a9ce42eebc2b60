import type { UserLimits } from '../../ports/access-store.js'

/** The user a request proved to be, as the routes and services see it. */
export interface Principal {
  id: string
  name: string
  admin: boolean
  /** How the request proved it: a token this server signed, an external issuer's token, an API key. */
  via: 'token' | 'external' | 'api_key'
  /** The user's budget overrides (the settings' defaults fill the rest). */
  limits: UserLimits
}

/**
 * Who looks at a resource: a principal, or null when `AUTH=off`, where the one anonymous client
 * is the operator and sees everything.
 */
export type Viewer = Principal | null

/** Whether `viewer` may see (and so cancel, delete, follow) what `ownerId` asked for. */
export function canSee(viewer: Viewer, ownerId: string | null): boolean {
  return viewer === null || viewer.admin || viewer.id === ownerId
}

/** The owner recorded on what `viewer` asks for: their user id, or null when `AUTH=off`. */
export function ownerOf(viewer: Viewer): string | null {
  return viewer?.id ?? null
}

/** Who did something, for the audit trail: a user, or null for the CLI and the system. */
export interface Actor {
  id: string | null
  name: string | null
  /** The client's address when the action came over HTTP. */
  ip: string | null
}
