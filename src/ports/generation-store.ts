import type { GenerationRecord, GenerationStatus, StoredError } from './generation-record.js'
import type { AccessStore } from './access-store.js'
import type { JobStore } from './job-store.js'

// The record's types live apart so that the job store, which extends records, can share them.
export {
  GENERATION_STATUSES,
  type GenerationRecord,
  type GenerationStatus,
  type GenerationUsage,
  type StoredError,
} from './generation-record.js'

/** Fields a running generation may change as it progresses. */
export type GenerationUpdate = Partial<
  Pick<
    GenerationRecord,
    'status' | 'provider' | 'model' | 'result' | 'attempts' | 'usage' | 'durationMs' | 'error'
  >
>

/**
 * Thrown by `GenerationStore.insert` when another record already holds the record's
 * (non-null) `idempotencyKey`. A unique index enforces it, so of several processes racing
 * to insert the same key exactly one wins; the others get this error and can read the winner
 * with `findByIdempotencyKey`.
 */
export class IdempotencyKeyTaken extends Error {
  override readonly name = 'IdempotencyKeyTaken'

  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`Idempotency key '${key}' is already taken by another generation`, options)
  }
}

/** An API process as its heart-beats describe it. */
export interface InstanceEntry {
  id: string
  /** The host name it runs on, and its process id there. */
  host: string
  pid: number
  /** ISO-8601 time of its last heart-beat. */
  lastSeen: string
}

/** What `interruptOrphans` needs to tell the records of a live process from an orphan's. */
export interface OrphanSweep {
  /** The sweeping process's own instance id; its records are never touched. */
  self: string
  /** ISO-8601 time: an instance whose last heart-beat is older is considered gone. */
  staleBefore: string
  /** ISO-8601 time written as the records' `updatedAt`. */
  now: string
  /** The `error` written on each interrupted record. */
  error: StoredError
}

export interface GenerationQuery {
  /** Page size, 1–100. */
  limit: number
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string | undefined
  programmingLanguage?: string | undefined
  status?: GenerationStatus | undefined
  /** Only the generations of this user (`GenerationRecord.userId`); all when undefined. */
  userId?: string | undefined
  /** Only the generations whose prompt contains this text, ignoring the case of ASCII letters. */
  search?: string | undefined
}

export interface GenerationPage {
  items: GenerationRecord[]
  /** Cursor of the next (older) page, or `null` on the last page. */
  nextCursor: string | null
}

/**
 * The generation history. SQLite by default, PostgreSQL when `DATABASE_URL` says so;
 * `test/contracts/generation-store.contract.ts` is the specification both adapters pass.
 */
export interface GenerationStore {
  /** `sqlite` or `postgres`. */
  readonly backend: string
  /**
   * Stores a new record.
   * @throws IdempotencyKeyTaken when another record already holds the same non-null
   *   `idempotencyKey` (enforced by a unique index, so it holds across processes sharing one
   *   database); the existing record is left untouched.
   */
  insert(record: GenerationRecord): Promise<void>
  /** Applies `changes` and bumps `updatedAt`; answers false when the id is unknown. */
  update(id: string, changes: GenerationUpdate): Promise<boolean>
  get(id: string): Promise<GenerationRecord | null>
  /** The record inserted with this `Idempotency-Key`, or `null` when there is none. */
  findByIdempotencyKey(key: string): Promise<GenerationRecord | null>
  /** Newest first, then by id descending; filters combine with AND. */
  list(query: GenerationQuery): Promise<GenerationPage>
  /** Answers false when the id is unknown. */
  delete(id: string): Promise<boolean>
  /**
   * Records that the API process `instance` is alive at `now` (ISO-8601), creating its entry on
   * the first beat. Several processes sharing one database see each other's beats.
   */
  heartbeat(instance: Omit<InstanceEntry, 'lastSeen'>, now: string): Promise<void>
  /** Every process with a heart-beat entry. */
  listInstances(): Promise<InstanceEntry[]>
  /** Removes the entry of a process that stops cleanly, so that no peer waits for it. */
  forgetInstance(instanceId: string): Promise<void>
  /**
   * Marks `interrupted` every `running` record whose process is gone: its instance has not
   * heart-beaten since `staleBefore`, or it has no instance id. Records of `self` and of live
   * processes stay untouched. Also drops the entries of stale instances. Answers the ids marked.
   */
  interruptOrphans(sweep: OrphanSweep): Promise<string[]>
  /**
   * Takes the `Idempotency-Key` off an `interrupted` record, so that a retry with that key can
   * run again under a new record. Answers false when the record is not interrupted or no longer
   * holds the key (another retry released it first).
   */
  releaseIdempotencyKey(id: string, key: string): Promise<boolean>
  /**
   * The jobs kept in the same database (their records are generations of this store). Job
   * records are never `interruptOrphans`' to mark: a job whose worker died runs again.
   */
  readonly jobs: JobStore
  /** Users, credentials, audit, runtime settings and usage, in the same database. */
  readonly access: AccessStore
  /** Round-trip time of a trivial query, in milliseconds. @throws DependencyError when down. */
  ping(): Promise<number>
  close(): Promise<void>
}
