import postgres from 'postgres'
import { bind, compiler, type Program, type ProgramRunner } from './sql-program.js'

/** Deadlock and serialization failure: the transaction was undone and may simply run again. */
const RETRYABLE_CODES = new Set(['40P01', '40001'])
const TRANSACTION_TRIES = 3

/**
 * Runs programs on the PostgreSQL pool of the generation history. A write program runs in one
 * transaction and reads the rows it decides on `FOR UPDATE` (`SKIP LOCKED` where another worker's
 * pick may simply be passed over), so concurrent processes decide each race once.
 */
export class PostgresProgramRunner implements ProgramRunner {
  private readonly compiled = compiler('postgres')

  constructor(private readonly sql: postgres.Sql) {}

  read<T>(program: () => Program<T>): Promise<T> {
    return this.drive(this.sql, program())
  }

  async write<T>(program: () => Program<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.sql.begin((transaction) => this.drive(transaction, program()))) as T
      } catch (error) {
        const retryable = error instanceof postgres.PostgresError && RETRYABLE_CODES.has(error.code)
        if (!retryable || attempt >= TRANSACTION_TRIES) throw error
      }
    }
  }

  private async drive<T>(
    sql: postgres.Sql | postgres.TransactionSql,
    program: Program<T>,
  ): Promise<T> {
    let next = program.next()
    while (!next.done) {
      const step = next.value
      const compiled = this.compiled(step.sql)
      const result = await sql.unsafe(compiled.text, bind(compiled, step.parameters))
      next = program.next(step.answer === 'rows' ? [...result] : result.count)
    }
    return next.value
  }
}
