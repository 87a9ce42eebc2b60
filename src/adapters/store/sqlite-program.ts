import type Database from 'better-sqlite3'
import { bind, compiler, type Program, type ProgramRunner } from './sql-program.js'

/** What the SQL stores borrow from `SqliteGenerationStore`: its connection and its group commit. */
export interface SqliteConnection {
  database: Database.Database
  /** A statement compiled once per text. */
  prepared(sql: string): Database.Statement<unknown[], unknown>
  /** Runs `run` in the next group commit; settles once it is committed. */
  write<T>(run: () => T): Promise<T>
  /** Commits the pending group now, so that a read sees every write issued before it. */
  flush(): void
}

/**
 * Runs programs on the SQLite connection of the generation history. A write program runs inside
 * the group commit, in a savepoint of its own: a failed one is undone whole and the group still
 * commits. Group commits are immediate transactions, so other processes sharing the file wait
 * (busy_timeout) and every program sees the rows as the last one left them.
 */
export class SqliteProgramRunner implements ProgramRunner {
  private readonly compiled = compiler('sqlite')
  private readonly savepoint: (program: Program<unknown>) => unknown

  constructor(private readonly connection: SqliteConnection) {
    this.savepoint = connection.database.transaction((program: Program<unknown>) =>
      this.drive(program),
    )
  }

  read<T>(program: () => Program<T>): Promise<T> {
    try {
      this.connection.flush()
      return Promise.resolve(this.drive(program()))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  write<T>(program: () => Program<T>): Promise<T> {
    return this.connection.write(() => this.savepoint(program()) as T)
  }

  private drive<T>(program: Program<T>): T {
    let next = program.next()
    while (!next.done) {
      const step = next.value
      const compiled = this.compiled(step.sql)
      const statement = this.connection.prepared(compiled.text)
      const values = bind(compiled, step.parameters)
      next = program.next(
        step.answer === 'rows' ? statement.all(...values) : statement.run(...values).changes,
      )
    }
    return next.value
  }
}
