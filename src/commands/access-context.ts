import { loadConfig } from '../config.js'
import { AppError } from '../errors.js'
import { systemClock } from '../ports/clock.js'
import type { Logger } from '../ports/logger.js'
import { ApiKeys } from '../services/access/api-keys.js'
import { AuditTrail } from '../services/access/audit.js'
import type { Actor } from '../services/access/principal.js'
import { UserAdmin } from '../services/access/users.js'

/** Who the audit trail names for what the CLI does: whoever can run it on the server. */
export const CLI_ACTOR: Actor = { id: null, name: 'cli', ip: null }

/** The user and key services of the CLI, on the database the configuration names. */
export interface AccessContext {
  users: UserAdmin
  keys: ApiKeys
  close(): Promise<void>
}

/** A usage or configuration problem: exit code 2. */
export class UsageProblem extends Error {}

/** Audit write failures go to stderr, where the operator running the command sees them. */
const stderrLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (fields, message) => console.error(`verigen: ${message}`, fields),
  error: (fields, message) => console.error(`verigen: ${message}`, fields),
}

export async function openAccess(): Promise<AccessContext> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    throw new UsageProblem((error as Error).message)
  }
  // Loaded here, not at the top: a usage error is answered without loading the server's modules.
  const { openStore } = await import('../plugins/container.js')
  const store = await openStore(config.database)
  const audit = new AuditTrail(store.access, systemClock, stderrLogger)
  return {
    users: new UserAdmin(store.access, audit, systemClock),
    keys: new ApiKeys(store.access, audit, systemClock),
    close: () => store.close(),
  }
}

/**
 * Runs `action` against the database and maps what it throws to an exit code: 1 with one line
 * on stderr for a refused action (an unknown user, a name taken), 2 for a usage problem.
 */
export async function withAccess(
  command: string,
  action: (access: AccessContext) => Promise<number>,
): Promise<number> {
  let access: AccessContext
  try {
    access = await openAccess()
  } catch (error) {
    console.error(`verigen ${command}: ${(error as Error).message}`)
    return 2
  }
  try {
    return await action(access)
  } catch (error) {
    if (error instanceof UsageProblem) {
      console.error(`verigen ${command}: ${error.message}`)
      return 2
    }
    if (error instanceof AppError) {
      console.error(`verigen ${command}: ${error.message}`)
      return 1
    }
    throw error
  } finally {
    await access.close()
  }
}
