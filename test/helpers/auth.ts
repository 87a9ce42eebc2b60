import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { generateKeyPair, SignJWT } from 'jose'
import { hashSecret } from '../../src/services/access/api-keys.js'
import { recordArtifact, recordSecretsOf } from './secrets.js'
import { Client, WebSocket } from './ws-client.js'

/** The JWT secret of the suites that turn AUTH on; long enough for the config's 32 characters. */
export const JWT_SECRET = 'a-jwt-secret-of-the-authorization-tests-0123456789'

/** Environment of an app that requires credentials: AUTH=on, a signing secret, no rate limit. */
export function authEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { AUTH: 'on', JWT_SECRET, RATE_LIMIT_REQUESTS: '0', ...extra }
}

/** The one error shape every refusal has (docs/errors.md). */
export const ERROR_FIELDS = ['code', 'detail', 'error', 'request_id', 'status_code', 'timestamp']

/** The issuer and audience of the tokens the server signs. */
export const ISSUER = 'verigen'

/** Headers carrying `token` as a Bearer credential. */
export const bearer = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
})

/** Headers carrying an API key as X-API-Key. */
export const apiKeyHeader = (key: string): Record<string, string> => ({ 'x-api-key': key })

/** A user made through the services, with the password it was given. */
export interface TestUser {
  id: string
  name: string
  password: string
}

/** Creates a user through `app.services.access.users` (as the CLI and the admin API do). */
export async function createUser(
  app: FastifyInstance,
  name: string,
  options: { admin?: boolean; password?: string } = {},
): Promise<TestUser> {
  const password = options.password ?? `password of ${name} ${randomUUID()}`
  const { user } = await app.services.access.users.create(
    { name, admin: options.admin ?? false, password },
    null,
  )
  return { id: user.id, name, password }
}

/** Logs in over HTTP (inject); answers the whole token pair. */
export async function login(
  app: FastifyInstance,
  user: { name: string; password: string },
): Promise<{ access_token: string; refresh_token: string; expires_in: number }> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { name: user.name, password: user.password },
  })
  if (response.statusCode !== 200) {
    throw new Error(`login of ${user.name} answered ${response.statusCode}: ${response.body}`)
  }
  return response.json()
}

/** A fresh API key of `userId`, made through `app.services.access.keys`. */
export async function createKey(
  app: FastifyInstance,
  userId: string,
  name = 'tests',
): Promise<string> {
  return (await app.services.access.keys.create(userId, { name, expiresAt: null }, null)).key
}

/**
 * An API key whose expiry has passed. The service refuses to make one (an expiry must be in the
 * future), so it goes straight into the store, as a key that was made a while ago would be.
 */
export async function createExpiredKey(app: FastifyInstance, userId: string): Promise<string> {
  const key = `vg_${Buffer.from(randomUUID() + randomUUID())
    .toString('base64url')
    .slice(0, 43)}`
  const day = 86_400_000
  await app.services.store.access.createApiKey({
    id: randomUUID(),
    userId,
    name: 'expired',
    keyHash: hashSecret(key),
    prefix: key.slice(0, 9),
    createdAt: new Date(Date.now() - 2 * day).toISOString(),
    expiresAt: new Date(Date.now() - day).toISOString(),
    lastUsedAt: null,
    revokedAt: null,
  })
  return key
}

/** An HS256 access token for `subject` signed with `secret`, with the given times (seconds). */
export async function signToken(
  subject: string,
  options: {
    secret?: string
    issuedAt?: number
    expiresAt?: number
    issuer?: string
    audience?: string
  } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? ISSUER)
    .setSubject(subject)
    .setJti(randomUUID())
    .setIssuedAt(options.issuedAt ?? now)
    .setExpirationTime(options.expiresAt ?? now + 600)
    .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET))
}

/** A token that has expired well beyond the default clock tolerance (30 s). */
export function expiredToken(subject: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return signToken(subject, { issuedAt: now - 3600, expiresAt: now - 300 })
}

/** An unsigned token (`alg: none`), built by hand as an attacker would: jose refuses to make one. */
export function algNoneToken(subject: string): string {
  const now = Math.floor(Date.now() / 1000)
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({
    iss: ISSUER,
    aud: ISSUER,
    sub: subject,
    iat: now,
    exp: now + 600,
  })}.`
}

/** A token signed with an RSA key of the attacker's own that claims to be the server's. */
export async function foreignRs256Token(subject: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256')
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(ISSUER)
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(privateKey)
}

/** Strips the fields of an error body that differ between two answers of the same refusal. */
export function withoutRequestFields(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(body).filter(([key]) => key !== 'request_id' && key !== 'timestamp'),
  )
}

/**
 * A WebSocket of `/api/ws` that authenticates with `?access_token=`, as a browser does (it cannot
 * set headers on a WebSocket).
 */
export async function openSocket(baseUrl: string, token: string): Promise<Client> {
  const socket = new WebSocket(
    `${baseUrl.replace(/^http/, 'ws')}/api/ws?access_token=${encodeURIComponent(token)}`,
  )
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  // Client.open knows no credential; its constructor takes any open socket.
  const construct = Client as unknown as new (opened: typeof socket) => Client
  return new construct(socket)
}

/** What a run of the command line printed, and how it ended. */
export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `verigen …` (src/cli.ts) with `environment`, writing `input` to its stdin. */
export function runCli(
  args: string[],
  environment: Record<string, string>,
  input = '',
): Promise<CliRun> {
  recordSecretsOf(environment)
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', ENV_FILE: '/dev/null', ...environment },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdin.end(input)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      recordArtifact('process', stdout)
      recordArtifact('process', stderr)
      resolve({ code, stdout, stderr })
    }),
  )
}
