import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
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
  interruptQuery,
  listQuery,
  readMigrations,
  releaseKeyQuery,
  toRow,
  updateColumns,
  type GenerationRow,
  type InstanceRow,
} from './sql.js'
import { SqlAccessStore } from './sql-access.js'
import { SqlJobStore } from './sql-jobs.js'
import { jsonText } from './sql-program.js'
import { SqliteProgramRunner } from './sqlite-program.js'

/** Path of the database file named by a `sqlite://` URL (`:memory:` for an in-memory database). */
export function sqlitePath(url: string): string {
  const path = url.replace(/^sqlite:(\/\/)?/i, '')
  return path === ':memory:' ? path : resolve(path)
}

/** Whether `error` is better-sqlite3's report of a unique index on `columns` refusing a row. */
function violates(error: unknown, columns: RegExp): boolean {
  return (
    error instanceof Database.SqliteError &&
    error.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    columns.test(error.message)
  )
}

/** A second record with a taken idempotency key. */
const isIdempotencyKeyViolation = (error: unknown) =>
  violates(error, /\bgenerations\.idempotency_key\b/)

/** A second user with a taken name, or issuer and subject (SQLite names the columns). */
const isUserNameViolation = (error: unknown) => violates(error, /\busers\.(name|issuer|subject)\b/)

/** A write waiting for the next group commit, and the caller waiting for its outcome. */
interface PendingWrite {
  run: () => unknown
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/**
 * The default store: one embedded SQLite file in WAL mode, created and migrated on first use.
 * Writes are committed in groups: those issued in one turn of the event loop share a transaction,
 * since a commit costs far more than a row (at hundreds of generations a second, two commits
 * each were a fifth of the server's CPU). A write's promise settles once its group is committed;
 * reads commit the pending group first, so they always see every write issued before them.
 */
export class SqliteGenerationStore implements GenerationStore {
  readonly backend = 'sqlite'
  private readonly database: Database.Database
  private readonly statements = new Map<string, Database.Statement>()
  private pending: PendingWrite[] = []
  private readonly commitGroup: () => void
  /** The jobs, on this connection and in its group commits. */
  readonly jobs: SqlJobStore
  /** Users, credentials, audit, settings and usage, on this connection and in its group commits. */
  readonly access: SqlAccessStore

  private constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.database = new Database(path)
    this.database.pragma('journal_mode = WAL')
    this.database.pragma('synchronous = NORMAL')
    this.database.pragma('busy_timeout = 5000')
    const group = this.database.transaction((writes: PendingWrite[]) =>
      writes.map((write) => {
        // A failed statement (a taken idempotency key) is undone alone; the rest still commit.
        try {
          return { ok: true, value: write.run() }
        } catch (error) {
          return { ok: false, value: error }
        }
      }),
    )
    this.commitGroup = () => {
      const writes = this.pending
      if (writes.length === 0) return
      this.pending = []
      let outcomes: Array<{ ok: boolean; value: unknown }>
      try {
        outcomes = group.immediate(writes)
      } catch (error) {
        for (const write of writes) write.reject(error)
        return
      }
      outcomes.forEach((outcome, index) => {
        const write = writes[index] as PendingWrite
        if (outcome.ok) write.resolve(outcome.value)
        else write.reject(outcome.value)
      })
    }
    const runner = new SqliteProgramRunner({
      database: this.database,
      prepared: (sql) => this.prepared(sql),
      write: (run) => this.write(run),
      flush: this.commitGroup,
    })
    this.jobs = new SqlJobStore(runner, isIdempotencyKeyViolation)
    this.access = new SqlAccessStore(runner, isUserNameViolation)
  }

  /** Queues a write for the group commit at the end of this turn of the event loop. */
  private write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(this.commitGroup)
      this.pending.push({ run, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  static async open(url: string): Promise<SqliteGenerationStore> {
    let store: SqliteGenerationStore
    try {
      store = new SqliteGenerationStore(sqlitePath(url))
    } catch (error) {
      throw new DependencyError(
        `Cannot open the SQLite database '${sqlitePath(url)}': ${(error as Error).message}`,
        error,
      )
    }
    store.migrate()
    return store
  }

  private migrate(): void {
    const database = this.database
    database.exec(CREATE_MIGRATIONS_TABLE)
    const applied = new Set(
      database
        .prepare<[], { version: string }>('SELECT version FROM schema_migrations')
        .all()
        .map((row) => row.version),
    )
    const record = database.prepare(
      'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)',
    )
    for (const migration of readMigrations()) {
      if (applied.has(migration.version)) continue
      database
        .transaction(() => {
          database.exec(migration.sql)
          record.run(migration.version, new Date().toISOString())
        })
        .immediate()
    }
  }

  /** Statements are compiled once per SQL text: preparing costs more than running them. */
  private prepared<P extends unknown[] = unknown[], R = unknown>(
    sql: string,
  ): Database.Statement<P, R> {
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.database.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement as Database.Statement<P, R>
  }

  async insert(record: GenerationRecord): Promise<void> {
    const row = toRow(record)
    const statement = this.prepared(
      `INSERT INTO generations (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
    )
    try {
      await this.write(() => statement.run(...COLUMNS.map((column) => row[column])))
    } catch (error) {
      if (record.idempotencyKey !== null && isIdempotencyKeyViolation(error)) {
        throw new IdempotencyKeyTaken(record.idempotencyKey, { cause: error })
      }
      throw error
    }
  }

  async update(id: string, changes: GenerationUpdate): Promise<boolean> {
    const columns = updateColumns(changes, new Date().toISOString())
    const statement = this.prepared(
      `UPDATE generations SET ${columns.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ?`,
    )
    const result = await this.write(() => statement.run(...columns.map(([, value]) => value), id))
    return result.changes > 0
  }

  async get(id: string): Promise<GenerationRecord | null> {
    this.commitGroup()
    const row = this.prepared<[string], GenerationRow>(
      `SELECT ${COLUMNS.join(', ')} FROM generations WHERE id = ?`,
    ).get(id)
    return row ? fromRow(row) : null
  }

  async findByIdempotencyKey(key: string): Promise<GenerationRecord | null> {
    this.commitGroup()
    const row = this.prepared<[string], GenerationRow>(
      `SELECT ${COLUMNS.join(', ')} FROM generations WHERE idempotency_key = ?`,
    ).get(key)
    return row ? fromRow(row) : null
  }

  async list(query: GenerationQuery): Promise<GenerationPage> {
    this.commitGroup()
    const { text, parameters } = listQuery(
      query,
      () => '?',
      jsonText('sqlite', 'request', 'prompt'),
    )
    const rows = this.prepared<unknown[], GenerationRow>(text).all(...parameters)
    const items = rows.slice(0, query.limit).map(fromRow)
    const last = items.at(-1)
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null }
  }

  async delete(id: string): Promise<boolean> {
    this.commitGroup()
    // A job's entry and events go with its generation.
    return this.database.transaction(() => {
      this.prepared('DELETE FROM job_events WHERE job_id = ?').run(id)
      this.prepared('DELETE FROM jobs WHERE id = ?').run(id)
      return this.prepared('DELETE FROM generations WHERE id = ?').run(id).changes > 0
    })()
  }

  async heartbeat(instance: Omit<InstanceEntry, 'lastSeen'>, now: string): Promise<void> {
    const statement = this.prepared(heartbeatQuery(() => '?'))
    await this.write(() => statement.run(instance.id, instance.host, instance.pid, now, now))
  }

  async listInstances(): Promise<InstanceEntry[]> {
    this.commitGroup()
    return this.prepared<[], InstanceRow>(LIST_INSTANCES).all().map(fromInstanceRow)
  }

  async forgetInstance(instanceId: string): Promise<void> {
    const statement = this.prepared('DELETE FROM instances WHERE id = ?')
    await this.write(() => statement.run(instanceId))
  }

  async interruptOrphans(sweep: OrphanSweep): Promise<string[]> {
    const interrupt = this.prepared<unknown[], { id: string }>(interruptQuery(() => '?'))
    const forget = this.prepared(forgetStaleQuery(() => '?'))
    const rows = await this.write(() => {
      const marked = interrupt.all(
        sweep.error.code,
        sweep.error.detail,
        sweep.now,
        sweep.staleBefore,
        sweep.self,
      )
      forget.run(sweep.staleBefore)
      return marked
    })
    return rows.map((row) => row.id)
  }

  async releaseIdempotencyKey(id: string, key: string): Promise<boolean> {
    const statement = this.prepared(releaseKeyQuery(() => '?'))
    const result = await this.write(() => statement.run(new Date().toISOString(), id, key))
    return result.changes > 0
  }

  async ping(): Promise<number> {
    const started = performance.now()
    try {
      this.prepared('SELECT 1').get()
    } catch (error) {
      throw new DependencyError(`SQLite database unavailable: ${(error as Error).message}`, error)
    }
    return performance.now() - started
  }

  async close(): Promise<void> {
    if (!this.database.open) return
    this.commitGroup()
    this.database.close()
  }
}
