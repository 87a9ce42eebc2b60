import { NotFoundError } from '../../errors.js'
import type { AccessStore } from '../../ports/access-store.js'
import type { GenerationRecord, GenerationStore } from '../../ports/generation-store.js'
import { isIssuedId, printable } from '../generation/generation-history.js'
import { canSee, type Viewer } from './principal.js'

/**
 * Object-level authorization (OWASP API1): a generation or job belongs to the user who asked for
 * it. Anyone else gets the same 404 as for an id that does not exist, so ids reveal nothing.
 */
export class Ownership {
  constructor(
    private readonly store: GenerationStore,
    private readonly access: AccessStore,
  ) {}

  /**
   * Resolves when `viewer` may see generation (or job) `id`.
   * @throws NotFoundError naming `what` when it does not exist or belongs to someone else.
   */
  async check(
    viewer: Viewer,
    id: string,
    what: 'Generation' | 'Job' = 'Generation',
  ): Promise<void> {
    if (viewer === null || viewer.admin) return
    const record = isIssuedId(id) ? await this.store.get(id) : null
    if (!record) throw new NotFoundError(what, printable(id))
    this.see(viewer, record, what)
  }

  /**
   * The same test on a record already read (a route that reads it anyway needs no second read).
   * @throws NotFoundError naming `what` when it belongs to someone else.
   */
  see(
    viewer: Viewer,
    record: Pick<GenerationRecord, 'id' | 'userId'>,
    what: 'Generation' | 'Job',
  ): void {
    if (!canSee(viewer, record.userId)) throw new NotFoundError(what, printable(record.id))
  }

  /**
   * The owner a list is restricted to: a user sees only their own; an administrator (or anyone
   * with `AUTH=off`) sees all, or one user's when `user` names them by id or name.
   */
  async listScope(viewer: Viewer, user: string | undefined): Promise<string | undefined> {
    if (viewer !== null && !viewer.admin) return viewer.id
    if (user === undefined) return undefined
    const found = (await this.access.getUser(user)) ?? (await this.access.findUserByName(user))
    // An unknown user has no generations: filtering by the text itself answers an empty list.
    return found?.id ?? user
  }
}
