import postgres from 'postgres'
import { DependencyError } from '../../errors.js'
import {
  IdempotencyKeyTaken,
  type OrphanSweep,
  type InstanceEntry,
  type GenerationPage,
  type GenerationQuery,
  type GenerationRecord,
  type GenerationStore,
  type GenerationUpdate,
} from '../../ports/generation-store.js'
import {
  COLUMNS,
  CREATE_MIGRATIONS_TABLE,
  encodeCursor,
  forgetStaleQuery,
  fromInstanceRow,
  fromRow,
  heartbeatQuery,
  LIST_INSTANCES,
  IDEMPOTENCY_KEY_INDEX,
  interruptQuery,
  listQuery,
  readMigrations,
  releaseKeyQuery,
  storable,
  toRow,
  updateColumns,
  type GenerationRow,
  type InstanceRow,
} from './sql.js'
import { redactUrl } from '../../config.js'
import { USER_UNIQUE_INDEXES } from './access-sql.js'
import { PostgresProgramRunner } from './postgres-program.js'
import { SqlAccessStore } from './sql-access.js'
import { SqlJobStore } from './sql-jobs.js'
import { jsonText } from './sql-program.js'

/** Any constant will do; it only has to be the same in every process that migrates this schema. */
const MIGRATION_LOCK = 7_301_842_215

/** Whether `error` is PostgreSQL's unique violation (23505) of one of `indexes`. */
function violates(error: unknown, indexes: readonly string[]): boolean {
  return (
    error instanceof postgres.PostgresError &&
    error.code === '23505' &&
    indexes.includes(error.constraint_name ?? '')
  )
}

const isIdempotencyKeyViolation = (error: unknown) => violates(error, [IDEMPOTENCY_KEY_INDEX])
const isUserNameViolation = (error: unknown) => violates(error, USER_UNIQUE_INDEXES)

/** The store for several API processes: PostgreSQL through a small connection pool. */
export class PostgresGenerationStore implements GenerationStore {
  readonly backend = 'postgres'

  /** The jobs, on this pool. */
  readonly jobs: SqlJobStore
  /** Users, credentials, audit, settings and usage, on this pool. */
  readonly access: SqlAccessStore

  private constructor(private readonly sql: postgres.Sql) {
    const runner = new PostgresProgramRunner(sql)
    this.jobs = new SqlJobStore(runner, isIdempotencyKeyViolation)
    this.access = new SqlAccessStore(runner, isUserNameViolation)
  }

  static async open(
    url: string,
    options: { poolSize?: number } = {},
  ): Promise<PostgresGenerationStore> {
    const sql = postgres(url, {
      max: options.poolSize ?? 10,
      connect_timeout: 5,
      idle_timeout: 60,
      onnotice: () => {},
    })
    const store = new PostgresGenerationStore(sql)
    try {
      await store.migrate()
    } catch (error) {
      await sql.end({ timeout: 1 })
      throw new DependencyError(
        `Cannot prepare the PostgreSQL database at '${redactUrl(url)}': ${(error as Error).message}`,
        error,
      )
    }
    return store
  }

  private async migrate(): Promise<void> {
    // The advisory lock makes concurrent start-ups of several processes apply each migration once.
    await this.sql.begin(async (transaction) => {
      await transaction`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
      await transaction.unsafe(CREATE_MIGRATIONS_TABLE)
      const applied = new Set(
        (await transaction<{ version: string }[]>`SELECT version FROM schema_migrations`).map(
          (row) => row.version,
        ),
      )
      for (const migration of readMigrations()) {
        if (applied.has(migration.version)) continue
        await transaction.unsafe(migration.sql)
        await transaction`INSERT INTO schema_migrations (version, applied_at) VALUES (${migration.version}, ${new Date().toISOString()})`
      }
    })
  }

  async insert(record: GenerationRecord): Promise<void> {
    const row = toRow(record)
    try {
      await this.sql.unsafe(
        `INSERT INTO generations (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, index) => `$${index + 1}`).join(', ')})`,
        COLUMNS.map((column) => row[column]),
      )
    } catch (error) {
      if (record.idempotencyKey !== null && isIdempotencyKeyViolation(error)) {
        throw new IdempotencyKeyTaken(record.idempotencyKey, { cause: error })
      }
      throw error
    }
  }

  async update(id: string, changes: GenerationUpdate): Promise<boolean> {
    if (!storable(id)) return false
    const columns = updateColumns(changes, new Date().toISOString())
    const result = await this.sql.unsafe(
      `UPDATE generations SET ${columns.map(([column], index) => `${column} = $${index + 1}`).join(', ')} WHERE id = $${columns.length + 1}`,
      [...columns.map(([, value]) => value), id],
    )
    return result.count > 0
  }

  async get(id: string): Promise<GenerationRecord | null> {
    // PostgreSQL refuses a NUL in a text parameter; no stored id holds one.
    if (!storable(id)) return null
    const rows = await this.sql.unsafe<GenerationRow[]>(
      `SELECT ${COLUMNS.join(', ')} FROM generations WHERE id = $1`,
      [id],
    )
    return rows[0] ? fromRow(rows[0]) : null
  }

  async findByIdempotencyKey(key: string): Promise<GenerationRecord | null> {
    if (!storable(key)) return null
    const rows = await this.sql.unsafe<GenerationRow[]>(
      `SELECT ${COLUMNS.join(', ')} FROM generations WHERE idempotency_key = $1`,
      [key],
    )
    return rows[0] ? fromRow(rows[0]) : null
  }

  async list(query: GenerationQuery): Promise<GenerationPage> {
    const { text, parameters } = listQuery(
      query,
      (position) => `$${position}`,
      jsonText('postgres', 'request', 'prompt'),
    )
    const rows = await this.sql.unsafe<GenerationRow[]>(text, parameters)
    const items = rows.slice(0, query.limit).map(fromRow)
    const last = items.at(-1)
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null }
  }

  async delete(id: string): Promise<boolean> {
    if (!storable(id)) return false
    // A job's entry and events go with its generation.
    const result = await this.sql.begin(async (transaction) => {
      await transaction.unsafe('DELETE FROM job_events WHERE job_id = $1', [id])
      await transaction.unsafe('DELETE FROM jobs WHERE id = $1', [id])
      return transaction.unsafe('DELETE FROM generations WHERE id = $1', [id])
    })
    return result.count > 0
  }

  async heartbeat(instance: Omit<InstanceEntry, 'lastSeen'>, now: string): Promise<void> {
    await this.sql.unsafe(
      heartbeatQuery((position) => `$${position}`),
      [instance.id, instance.host, instance.pid, now, now],
    )
  }

  async listInstances(): Promise<InstanceEntry[]> {
    return (await this.sql.unsafe<InstanceRow[]>(LIST_INSTANCES)).map(fromInstanceRow)
  }

  async forgetInstance(instanceId: string): Promise<void> {
    await this.sql.unsafe('DELETE FROM instances WHERE id = $1', [instanceId])
  }

  async interruptOrphans(sweep: OrphanSweep): Promise<string[]> {
    const placeholder = (position: number) => `$${position}`
    const rows = await this.sql.begin(async (transaction) => {
      const marked = await transaction.unsafe<{ id: string }[]>(interruptQuery(placeholder), [
        sweep.error.code,
        sweep.error.detail,
        sweep.now,
        sweep.staleBefore,
        sweep.self,
      ])
      await transaction.unsafe(forgetStaleQuery(placeholder), [sweep.staleBefore])
      return marked
    })
    return rows.map((row) => row.id)
  }

  async releaseIdempotencyKey(id: string, key: string): Promise<boolean> {
    if (!storable(id) || !storable(key)) return false
    const result = await this.sql.unsafe(
      releaseKeyQuery((position) => `$${position}`),
      [new Date().toISOString(), id, key],
    )
    return result.count > 0
  }

  async ping(): Promise<number> {
    const started = performance.now()
    try {
      await this.sql`SELECT 1`
    } catch (error) {
      throw new DependencyError(`PostgreSQL unavailable: ${(error as Error).message}`, error)
    }
    return performance.now() - started
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 })
  }
}
