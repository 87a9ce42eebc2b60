import {
  UserNameTaken,
  type AccessStore,
  type ApiKeyEntry,
  type AuditEntry,
  type AuditPage,
  type AuditQuery,
  type RefreshTokenEntry,
  type SettingEntry,
  type UsageQuery,
  type UsageRow,
  type UsageSince,
  type UserChanges,
  type UserEntry,
} from '../../ports/access-store.js'
import {
  apiKeyParameters,
  auditParameters,
  COUNT_USERS,
  countAuditSql,
  DELETE_SETTING,
  DELETE_USER,
  DELETE_USER_KEYS,
  DELETE_USER_TOKENS,
  FIND_API_KEY,
  FIND_REFRESH_TOKEN,
  FIND_USER_BY_NAME,
  FIND_USER_BY_SUBJECT,
  fromApiKeyRow,
  fromAuditRow,
  fromRefreshTokenRow,
  fromSettingRow,
  fromUserRow,
  GET_USER,
  INSERT_API_KEY,
  INSERT_AUDIT,
  INSERT_REFRESH_TOKEN,
  INSERT_USER,
  INSERT_VERIFY_RUN,
  LIST_API_KEYS,
  LIST_SETTINGS,
  LIST_USERS,
  listAuditSql,
  PUT_SETTING,
  refreshTokenParameters,
  REVOKE_API_KEY,
  REVOKE_REFRESH_FAMILY,
  REVOKE_REFRESH_TOKEN,
  REVOKE_USER_REFRESH_TOKENS,
  TOUCH_API_KEY,
  TOUCH_INTERVAL_MS,
  updateUserSql,
  usageGenerationsSql,
  usageSinceSql,
  usageVerifyRunsSql,
  userParameters,
  type ApiKeyRow,
  type AuditRow,
  type SettingRow,
  type UsageGenerationsRow,
  type UsageSinceRow,
  type UsageVerifyRunsRow,
  type UserRow,
} from './access-sql.js'
import { cleanText, decodeCursor, encodeCursor, storable } from './sql.js'
import { count, rows, type Parameters, type Program, type ProgramRunner } from './sql-program.js'

/** Whether every text can be looked up (PostgreSQL refuses a NUL; no stored value holds one). */
const lookable = (...texts: Array<string | null | undefined>) =>
  texts.every((text) => text === null || text === undefined || storable(text))

/** Code-point order, the same in both dialects whatever the database's collation. */
const byText = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1

/**
 * The access store over either SQL dialect. Each method is one program: the SQLite runner runs
 * it in the group commit, the PostgreSQL runner in one transaction of the pool. Races (two
 * refreshes of one token, two creations of one name) are decided by a conditional update or a
 * unique index, never by a read followed by a write.
 */
export class SqlAccessStore implements AccessStore {
  /**
   * @param runner runs the programs on SQLite or PostgreSQL.
   * @param isUserNameViolation whether an error is the database's report of a taken user name
   *   (or issuer and subject).
   */
  constructor(
    private readonly runner: ProgramRunner,
    private readonly isUserNameViolation: (error: unknown) => boolean,
  ) {}

  private read<T>(program: () => Program<T>): Promise<T> {
    return this.runner.read(program)
  }

  private write<T>(program: () => Program<T>): Promise<T> {
    return this.runner.write(program)
  }

  /** A write of one statement; answers its count of changed rows. */
  private change(sql: string, parameters: Parameters): Promise<number> {
    return this.write(() => count(sql, parameters))
  }

  private async one<R, T>(
    sql: string,
    parameters: Parameters,
    map: (row: R) => T,
  ): Promise<T | null> {
    const [row] = await this.read(() => rows<R>(sql, parameters))
    return row ? map(row) : null
  }

  async createUser(user: UserEntry): Promise<void> {
    try {
      await this.change(INSERT_USER, userParameters(user))
    } catch (error) {
      if (this.isUserNameViolation(error)) {
        throw new UserNameTaken(user.name)
      }
      throw error
    }
  }

  async getUser(id: string): Promise<UserEntry | null> {
    if (!lookable(id)) return null
    return this.one(GET_USER, { id }, fromUserRow)
  }

  async findUserByName(name: string): Promise<UserEntry | null> {
    if (!lookable(name)) return null
    return this.one(FIND_USER_BY_NAME, { name }, fromUserRow)
  }

  async findUserBySubject(issuer: string, subject: string): Promise<UserEntry | null> {
    if (!lookable(issuer, subject)) return null
    return this.one(FIND_USER_BY_SUBJECT, { issuer, subject }, fromUserRow)
  }

  async listUsers(): Promise<UserEntry[]> {
    const found = await this.read(() => rows<UserRow>(LIST_USERS, {}))
    return found.map(fromUserRow).sort((a, b) => byText(a.name, b.name))
  }

  async updateUser(id: string, changes: UserChanges, now: string): Promise<UserEntry | null> {
    if (!lookable(id)) return null
    const { sql, parameters } = updateUserSql(changes, now)
    return this.write(function* () {
      if ((yield* count(sql, { ...parameters, id })) === 0) return null
      const [row] = yield* rows<UserRow>(GET_USER, { id })
      return row ? fromUserRow(row) : null
    })
  }

  async deleteUser(id: string): Promise<boolean> {
    if (!lookable(id)) return false
    return this.write(function* () {
      yield* count(DELETE_USER_KEYS, { id })
      yield* count(DELETE_USER_TOKENS, { id })
      return (yield* count(DELETE_USER, { id })) > 0
    })
  }

  async countUsers(): Promise<{ users: number; admins: number }> {
    const [row] = await this.read(() =>
      rows<{ users: number | string; admins: number | string }>(COUNT_USERS, {}),
    )
    return { users: Number(row?.users ?? 0), admins: Number(row?.admins ?? 0) }
  }

  async createApiKey(key: ApiKeyEntry): Promise<void> {
    await this.change(INSERT_API_KEY, apiKeyParameters(key))
  }

  async findApiKey(keyHash: string): Promise<ApiKeyEntry | null> {
    if (!lookable(keyHash)) return null
    return this.one(FIND_API_KEY, { keyHash }, fromApiKeyRow)
  }

  async listApiKeys(userId: string): Promise<ApiKeyEntry[]> {
    if (!lookable(userId)) return []
    return (await this.read(() => rows<ApiKeyRow>(LIST_API_KEYS, { userId }))).map(fromApiKeyRow)
  }

  async revokeApiKey(userId: string, id: string, now: string): Promise<boolean> {
    if (!lookable(userId, id)) return false
    return (await this.change(REVOKE_API_KEY, { userId, id, now })) > 0
  }

  async touchApiKey(id: string, now: string): Promise<void> {
    if (!lookable(id)) return
    const staleBefore = new Date(Date.parse(now) - TOUCH_INTERVAL_MS).toISOString()
    await this.change(TOUCH_API_KEY, { id, now, staleBefore })
  }

  async createRefreshToken(token: RefreshTokenEntry): Promise<void> {
    await this.change(INSERT_REFRESH_TOKEN, refreshTokenParameters(token))
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenEntry | null> {
    if (!lookable(tokenHash)) return null
    return this.one(FIND_REFRESH_TOKEN, { tokenHash }, fromRefreshTokenRow)
  }

  async revokeRefreshToken(id: string, now: string): Promise<boolean> {
    if (!lookable(id)) return false
    return (await this.change(REVOKE_REFRESH_TOKEN, { id, now })) === 1
  }

  async revokeRefreshFamily(family: string, now: string): Promise<void> {
    if (!lookable(family)) return
    await this.change(REVOKE_REFRESH_FAMILY, { family, now })
  }

  async revokeUserRefreshTokens(userId: string, now: string): Promise<void> {
    if (!lookable(userId)) return
    await this.change(REVOKE_USER_REFRESH_TOKENS, { userId, now })
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    // The names and targets of failed logins are whatever a client sent: NULs are replaced.
    await this.change(
      INSERT_AUDIT,
      auditParameters(entry, (text) => cleanText(text) ?? text),
    )
  }

  async listAudit(query: AuditQuery): Promise<AuditPage> {
    const empty = { items: [], nextCursor: null }
    if (!lookable(query.action, query.actorId, query.from, query.to)) return empty
    const cursor = query.cursor ? decodeCursor(query.cursor) : null
    const parameters: Parameters = { limit: query.limit + 1 }
    if (query.action !== undefined) {
      parameters.action = query.action
      parameters.actionPrefix = `${query.action}.`
      parameters.prefixLength = query.action.length + 1
    }
    if (query.actorId !== undefined) parameters.actorId = query.actorId
    if (query.from !== undefined) parameters.from = query.from
    if (query.to !== undefined) parameters.to = query.to
    if (cursor) [parameters.cursorAt, parameters.cursorId] = cursor
    const sql = listAuditSql({
      actionFamily: query.action !== undefined,
      actorId: query.actorId !== undefined,
      from: query.from !== undefined,
      to: query.to !== undefined,
      cursor: cursor !== null,
    })
    const found = await this.read(() => rows<AuditRow>(sql, parameters))
    const items = found.slice(0, query.limit).map(fromAuditRow)
    const last = items.at(-1)
    return {
      items,
      nextCursor:
        found.length > query.limit && last
          ? encodeCursor({ createdAt: last.at, id: last.id })
          : null,
    }
  }

  async countAudit(
    action: string,
    since: string,
    match: { target?: string; ip?: string },
  ): Promise<number> {
    // Entries are stored with NULs replaced (appendAudit), so a lookup replaces them too.
    const clean = (text: string) => cleanText(text) ?? text
    const parameters: Parameters = { action: clean(action), since }
    if (match.target !== undefined) parameters.target = clean(match.target)
    if (match.ip !== undefined) parameters.ip = clean(match.ip)
    if (!lookable(since)) return 0
    const sql = countAuditSql({ target: match.target !== undefined, ip: match.ip !== undefined })
    const [row] = await this.read(() => rows<{ count: number | string }>(sql, parameters))
    return Number(row?.count ?? 0)
  }

  async listSettings(): Promise<SettingEntry[]> {
    return (await this.read(() => rows<SettingRow>(LIST_SETTINGS, {})))
      .map(fromSettingRow)
      .sort((a, b) => byText(a.key, b.key))
  }

  async putSettings(
    values: Record<string, unknown>,
    now: string,
    updatedBy: string | null,
  ): Promise<void> {
    const entries = Object.entries(values).filter(([, value]) => value !== undefined)
    await this.write(function* () {
      for (const [key, value] of entries) {
        if (value === null) yield* count(DELETE_SETTING, { key })
        else {
          yield* count(PUT_SETTING, {
            key,
            value: JSON.stringify(value),
            updatedAt: now,
            updatedBy,
          })
        }
      }
    })
  }

  async recordVerifyRun(run: {
    id: string
    userId: string | null
    at: string
    source: string
  }): Promise<void> {
    await this.change(INSERT_VERIFY_RUN, { ...run })
  }

  async usageSince(userId: string | null, since: string): Promise<UsageSince> {
    const nothing = { generations: 0, oldestGeneration: null, tokens: 0, verifyRuns: 0, active: 0 }
    if (!lookable(userId, since)) return nothing
    const parameters: Parameters = { since }
    if (userId !== null) parameters.userId = userId
    const sql = usageSinceSql(userId === null)
    const [row] = await this.read(() => rows<UsageSinceRow>(sql, parameters))
    if (!row) return nothing
    return {
      generations: Number(row.generations),
      oldestGeneration: row.oldest,
      tokens: Number(row.tokens),
      verifyRuns: Number(row.verify_runs),
      active: Number(row.active),
    }
  }

  async usageReport(query: UsageQuery): Promise<UsageRow[]> {
    if (!lookable(query.from, query.to, query.userId)) return []
    const oneUser = query.userId !== undefined
    const parameters: Parameters = { from: query.from, to: query.to }
    if (query.userId !== undefined) parameters.userId = query.userId
    const [generations, verifyRuns] = await this.read(function* () {
      return [
        yield* rows<UsageGenerationsRow>(usageGenerationsSql(oneUser), parameters),
        yield* rows<UsageVerifyRunsRow>(usageVerifyRunsSql(oneUser), parameters),
      ] as const
    })
    const report = new Map<string, UsageRow>()
    const entry = (day: string, userId: string | null, model: string | null) => {
      const key = JSON.stringify([day, userId, model])
      let row = report.get(key)
      if (!row) {
        row = {
          day,
          userId,
          model,
          generations: 0,
          promptTokens: 0,
          completionTokens: 0,
          verifyRuns: 0,
        }
        report.set(key, row)
      }
      return row
    }
    for (const row of generations) {
      const merged = entry(row.day, row.user_id, row.model)
      merged.generations += Number(row.generations)
      merged.promptTokens += Number(row.prompt_tokens)
      merged.completionTokens += Number(row.completion_tokens)
    }
    // Runs use no model: they join the row of the day and user without one.
    for (const row of verifyRuns)
      entry(row.day, row.user_id, null).verifyRuns += Number(row.verify_runs)
    return [...report.values()].sort(
      (a, b) => byText(a.day, b.day) || byText(a.userId, b.userId) || byText(a.model, b.model),
    )
  }
}
