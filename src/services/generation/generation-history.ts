import { NotFoundError } from '../../errors.js'
import type {
  GenerationPage,
  GenerationQuery,
  GenerationRecord,
  GenerationStore,
} from '../../ports/generation-store.js'

/** Ids this service issues (`randomUUID`); anything else cannot be in the history. */
const ISSUED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether `id` is one this service could have issued (an id that is not is never looked up). */
export function isIssuedId(id: string): boolean {
  return ISSUED_ID.test(id)
}

/** The history as the use case reads it: unknown ids are a 404, never a query. */
export class GenerationHistory {
  constructor(readonly store: GenerationStore) {}

  /** @throws NotFoundError for an id the history does not hold. */
  async get(id: string): Promise<GenerationRecord> {
    // An id this service cannot have issued (a NUL, say) is not looked up at all.
    const record = isIssuedId(id) ? await this.store.get(id) : null
    if (!record) throw new NotFoundError('Generation', printable(id))
    return record
  }

  list(query: GenerationQuery): Promise<GenerationPage> {
    return this.store.list(query)
  }
}

/** An id for a message, with control characters shown as escapes. */
export function printable(id: string): string {
  return id.replace(
    /\p{Cc}/gu,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
