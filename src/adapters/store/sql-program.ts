/**
 * What the SQL stores (jobs, access) share: statement templates that run on either dialect, and
 * methods written as programs of statements that a driver runs on SQLite or PostgreSQL.
 *
 * Templates name their parameters `:name`, mark where PostgreSQL locks the rows it reads
 * (`/*lock*\/`, `/*skip*\/`) and read a field of a JSON column with `JSON_TEXT(column, 'key')`;
 * `compile` turns them into either dialect. SQLite needs no row
 * locks: its writes run in one immediate transaction at a time.
 */

export type Dialect = 'sqlite' | 'postgres'
export type SqlValue = string | number | null
export type Parameters = Record<string, SqlValue>

/** A text ready for a driver, and the parameter names its positional placeholders stand for. */
export interface CompiledSql {
  text: string
  names: string[]
}

/**
 * The text of `key` in the JSON held by `column`, as `dialect` writes it.
 *
 * PostgreSQL refuses to decode the escapes `\u0000` and lone surrogates (`\ud800`), which
 * JSON.stringify writes for a NUL or a lone surrogate in a prompt: one such row would fail the
 * whole query. Its field is null instead (never matched). A cast, not `::json`: `compile` would
 * read `:json` as a parameter.
 */
export function jsonText(dialect: Dialect, column: string, key: string): string {
  if (dialect === 'sqlite') return `json_extract(${column}, '$.${key}')`
  return `(CASE WHEN ${column} !~ '\\\\u(0000|[dD][89a-fA-F])' THEN CAST(${column} AS json) ->> '${key}' END)`
}

export function compile(template: string, dialect: Dialect): CompiledSql {
  const names: string[] = []
  const text = template
    .replace(/JSON_TEXT\(([\w.]+), '(\w+)'\)/g, (_, column: string, key: string) =>
      jsonText(dialect, column, key),
    )
    .replaceAll('/*lock*/', dialect === 'postgres' ? 'FOR UPDATE' : '')
    .replaceAll('/*skip*/', dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '')
    .replace(/:([a-zA-Z][a-zA-Z0-9_]*)/g, (_, name: string) => {
      if (dialect === 'sqlite') {
        names.push(name)
        return '?'
      }
      // PostgreSQL numbers its parameters, so a name used twice binds one value.
      const index = names.indexOf(name)
      if (index >= 0) return `$${index + 1}`
      names.push(name)
      return `$${names.length}`
    })
  return { text, names }
}

/** `compile` for one dialect, each template compiled once. */
export function compiler(dialect: Dialect): (template: string) => CompiledSql {
  const texts = new Map<string, CompiledSql>()
  return (template) => {
    let compiled = texts.get(template)
    if (!compiled) {
      compiled = compile(template, dialect)
      texts.set(template, compiled)
    }
    return compiled
  }
}

/** The values of a compiled text's placeholders, in order. */
export function bind(compiled: CompiledSql, parameters: Parameters): SqlValue[] {
  return compiled.names.map((name) => {
    const value = parameters[name]
    if (value === undefined) throw new Error(`No value for the SQL parameter :${name}`)
    return value
  })
}

/** One statement of a program: its SQL template, and whether it answers rows or a count. */
export interface Step {
  sql: string
  parameters: Parameters
  answer: 'rows' | 'count'
}

/**
 * A method's statements as a generator: it yields each statement and receives its rows or count.
 * The SQLite driver runs a program synchronously inside its group commit, the PostgreSQL driver
 * awaits each statement inside `sql.begin`; the decisions between statements are written once.
 */
export type Program<T> = Generator<Step, T, unknown>

export function* rows<R>(sql: string, parameters: Parameters): Generator<Step, R[], unknown> {
  return (yield { sql, parameters, answer: 'rows' }) as R[]
}

export function* count(sql: string, parameters: Parameters): Generator<Step, number, unknown> {
  return (yield { sql, parameters, answer: 'count' }) as number
}

/** Runs programs on one database: `sqlite-program.ts`, `postgres-program.ts`. */
export interface ProgramRunner {
  /** Runs a program of reads, seeing every write issued before it. */
  read<T>(program: () => Program<T>): Promise<T>
  /** Runs a program in one transaction. */
  write<T>(program: () => Program<T>): Promise<T>
}
