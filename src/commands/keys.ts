import { parseArgs } from 'node:util'
import { NotFoundError } from '../errors.js'
import { CLI_ACTOR, withAccess } from './access-context.js'

export const KEYS_USAGE = `Usage: verigen keys create --user NAME --name LABEL [--expires 90d]

  create             Make an API key for a user and print it, and only it, on
                     stdout, once: only its hash is kept.
    --user NAME      The user the key acts as
    --name LABEL     What the key is for, to recognise it in a list
    --expires AGE    Lifetime in days, hours or minutes (90d, 12h, 30m);
                     without it the key lasts until revoked

Programs send the key as "Authorization: Bearer <key>" or "X-API-Key: <key>".

Exit codes:
  0  done
  1  refused (an unknown user, too many keys)
  2  usage or configuration error`

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 }

/** `90d` → milliseconds; null when `text` is not a positive number of days, hours or minutes. */
export function parseLifetime(text: string): number | null {
  const match = /^(\d{1,6})([dhm])$/.exec(text)
  if (!match) return null
  const milliseconds = Number(match[1]) * UNITS[match[2]!]!
  return milliseconds > 0 ? milliseconds : null
}

export async function keysCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv
  if (action === undefined || action === '-h' || action === '--help' || action === 'help') {
    ;(action === undefined ? console.error : console.log)(KEYS_USAGE)
    return action === undefined ? 2 : 0
  }
  let values: { user?: string; name?: string; expires?: string; help?: boolean }
  try {
    if (action !== 'create') throw new Error(`unknown action '${action}'`)
    ;({ values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        user: { type: 'string' },
        name: { type: 'string' },
        expires: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
    if (values.help) {
      console.log(KEYS_USAGE)
      return 0
    }
    if (values.user === undefined || values.name === undefined)
      throw new Error('create needs --user NAME and --name LABEL')
    if (values.expires !== undefined && parseLifetime(values.expires) === null)
      throw new Error(`--expires '${values.expires}' is not a number of days, hours or minutes`)
  } catch (error) {
    console.error(`verigen keys: ${(error as Error).message}\n\n${KEYS_USAGE}`)
    return 2
  }
  const { user: userName, name, expires } = values
  return withAccess('keys', async ({ users, keys }) => {
    const user = await users.findByName(userName)
    if (user === null) throw new NotFoundError('User', userName)
    const lifetime = expires === undefined ? null : parseLifetime(expires)!
    const expiresAt = lifetime === null ? null : new Date(Date.now() + lifetime).toISOString()
    const { key } = await keys.create(user.id, { name, expiresAt }, CLI_ACTOR)
    console.log(key)
    return 0
  })
}
