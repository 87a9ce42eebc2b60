import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { promisify } from 'node:util'
import { ValidationError } from '../../errors.js'

/**
 * Passwords are hashed with scrypt (RFC 7914), a memory-hard function, through the callback form
 * of node:crypto so that the work runs on libuv's thread pool and never blocks the event loop.
 * N = 2^15, r = 8 needs 32 MiB per hash (128·N·r), OWASP's minimum for scrypt as of 2025.
 */
const PARAMETERS = { N: 2 ** 15, r: 8, p: 1 } as const
const SALT_BYTES = 16
const KEY_BYTES = 32
const MAX_MEMORY = 64 * 1024 * 1024
/** Bounds on what a stored hash may ask for, so that a damaged row cannot exhaust the machine. */
const MAX_COST = 2 ** 20
const MAX_BLOCK_SIZE = 32
const MAX_PARALLELISM = 16

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 1024

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
) => Promise<Buffer>

/**
 * Refuses a password outside the policy: 8 to 1024 characters (code points). No composition
 * rules: length is what makes a password strong (NIST SP 800-63B, 3.1.1.2).
 */
export function checkPasswordPolicy(password: string): void {
  const length = [...password].length
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH)
    throw new ValidationError(
      `A password needs ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters; this one has ${length}`,
    )
}

/** A new random password: 18 random bytes, 24 characters of base64url (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}

/**
 * The hash of `password`, self-describing so that the parameters can change later:
 * `scrypt$<N>$<r>$<p>$<salt base64url>$<hash base64url>`.
 */
export async function hashPassword(password: string): Promise<string> {
  checkPasswordPolicy(password)
  const salt = randomBytes(SALT_BYTES)
  const key = await scryptAsync(password, salt, KEY_BYTES, { ...PARAMETERS, maxmem: MAX_MEMORY })
  const { N, r, p } = PARAMETERS
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

interface ParsedHash {
  N: number
  r: number
  p: number
  salt: Buffer
  key: Buffer
}

function parseHash(hash: string): ParsedHash | null {
  const parts = hash.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,8}$/.test(part) ? Number(part) : NaN))
  if (N === undefined || r === undefined || p === undefined) return null
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0
  if (!powerOfTwo || N > MAX_COST || !(r >= 1 && r <= MAX_BLOCK_SIZE)) return null
  if (!(p >= 1 && p <= MAX_PARALLELISM) || 128 * N * r > MAX_MEMORY) return null
  const base64url = /^[A-Za-z0-9_-]+$/
  if (!base64url.test(parts[4]!) || !base64url.test(parts[5]!)) return null
  const salt = Buffer.from(parts[4]!, 'base64url')
  const key = Buffer.from(parts[5]!, 'base64url')
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null
  return { N, r, p, salt, key }
}

/**
 * Whether `password` matches `hash`, compared in constant time. A malformed hash answers false
 * (it never throws), so a damaged row locks its user out instead of failing the request.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash)
  if (parsed === null) return false
  const { N, r, p, salt, key } = parsed
  try {
    const candidate = await scryptAsync(password, salt, key.length, {
      N,
      r,
      p,
      maxmem: MAX_MEMORY,
    })
    return timingSafeEqual(candidate, key)
  } catch {
    return false
  }
}

/**
 * A hash of a random password nobody knows, with the current parameters: verifying against it
 * costs what verifying a real hash costs.
 */
const DUMMY_HASH =
  'scrypt$32768$8$1$KwXRIr2WanbZZjujE47zHA$xb7AndPdTEDNEzK2XLh9hdhwYwOyNnoVqhxh3ejJH8s'

/**
 * Spends the time of one real verification and answers false: a login naming an unknown user,
 * a disabled one or one without a password must not answer faster than a wrong password, or the
 * response time would tell which user names exist.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH)
  return false
}
