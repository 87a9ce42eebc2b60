import { parseArgs } from 'node:util'
import type { UserEntry } from '../ports/access-store.js'
import { CLI_ACTOR, UsageProblem, withAccess } from './access-context.js'

export const USERS_USAGE = `Usage: verigen users <create|list|disable> [options]

  create --name NAME [--admin] [--password-stdin]
                     Create a user and print their id. Without --password-stdin
                     a password is generated and printed once, on a second line
                     "password: ..."; with it, the password is read from stdin
                     (one trailing newline removed).
  list [--json]      List the users: id, name, admin, disabled, created
  disable NAME       Disable a user: their logins, keys and tokens stop working

Users, keys and the audit trail live in the database DATABASE_URL names.

Exit codes:
  0  done
  1  refused (an unknown user, a name already taken, a password too short)
  2  usage or configuration error`

/** The whole of stdin, without one trailing newline (what `echo` or a heredoc adds). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  argv: string[],
  options: T,
  positionals = false,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals })
  } catch (error) {
    throw new UsageProblem(`${(error as Error).message}\n\n${USERS_USAGE}`)
  }
}

/** The `users list` table. */
export function formatUsers(users: UserEntry[]): string {
  const rows = [
    ['ID', 'NAME', 'ADMIN', 'DISABLED', 'CREATED'],
    ...users.map((user) => [
      user.id,
      user.name,
      user.admin ? 'yes' : 'no',
      user.disabled ? 'yes' : 'no',
      user.createdAt,
    ]),
  ]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

export async function usersCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv
  if (action === undefined || action === '-h' || action === '--help' || action === 'help') {
    ;(action === undefined ? console.error : console.log)(USERS_USAGE)
    return action === undefined ? 2 : 0
  }
  if (!['create', 'list', 'disable'].includes(action)) {
    console.error(`verigen users: unknown action '${action}'\n\n${USERS_USAGE}`)
    return 2
  }
  let values: Record<string, string | boolean | undefined>
  let positionals: string[]
  try {
    const help = { help: { type: 'boolean', short: 'h' } } as const
    ;({ values, positionals } =
      action === 'create'
        ? parse(rest, {
            ...help,
            name: { type: 'string' },
            admin: { type: 'boolean' },
            'password-stdin': { type: 'boolean' },
          })
        : action === 'list'
          ? parse(rest, { ...help, json: { type: 'boolean' } })
          : parse(rest, help, true))
    if (values.help) {
      console.log(USERS_USAGE)
      return 0
    }
    if (action === 'create' && typeof values.name !== 'string')
      throw new UsageProblem(`create needs --name NAME\n\n${USERS_USAGE}`)
    if (action === 'disable' && positionals.length !== 1)
      throw new UsageProblem(`disable needs one user name\n\n${USERS_USAGE}`)
  } catch (error) {
    console.error(`verigen users: ${(error as Error).message}`)
    return 2
  }

  // The password is read before the database is opened, so a slow pipe holds no connection.
  const password = action === 'create' && values['password-stdin'] ? await readStdin() : null
  return withAccess('users', async ({ users }) => {
    if (action === 'create') {
      const created = await users.create(
        {
          name: values.name as string,
          admin: values.admin === true,
          password,
          generatePassword: password === null,
        },
        CLI_ACTOR,
      )
      console.log(created.user.id)
      if (created.password !== null) console.log(`password: ${created.password}`)
      return 0
    }
    if (action === 'list') {
      const list = await users.list()
      console.log(
        values.json
          ? JSON.stringify(
              list.map((user) => ({
                id: user.id,
                name: user.name,
                admin: user.admin,
                disabled: user.disabled,
                limits: user.limits,
                issuer: user.issuer,
                created_at: user.createdAt,
                last_login_at: user.lastLoginAt,
              })),
              null,
              2,
            )
          : formatUsers(list),
      )
      return 0
    }
    const user = await users.disableByName(positionals[0]!, CLI_ACTOR)
    console.log(`User '${user.name}' disabled`)
    return 0
  })
}
