import { randomBytes, randomUUID } from 'node:crypto'
import { AppError, UnauthenticatedError } from '../../errors.js'
import type { AccessStore, RefreshTokenEntry, UserEntry } from '../../ports/access-store.js'
import type { Clock } from '../../ports/clock.js'
import type { Logger } from '../../ports/logger.js'
import { API_KEY_PREFIX, hashSecret } from './api-keys.js'
import type { AuditTrail } from './audit.js'
import { ExternalUsers } from './external-users.js'
import { LOGIN_FAILED, LoginLimiter, type LoginLimits } from './login-limiter.js'
import { verifyDummyPassword, verifyPassword } from './passwords.js'
import type { Actor, Principal } from './principal.js'
import { AccessTokens, type TokenOptions } from './tokens.js'

/** The answer of login and refresh (OAuth 2.0's token response, RFC 6749 5.1). */
export interface TokenPair {
  access_token: string
  token_type: 'Bearer'
  /** Seconds the access token lives. */
  expires_in: number
  refresh_token: string
}

/** The settings of config.auth the service needs. */
export interface AuthOptions extends TokenOptions {
  refreshTtlMs: number
  login: LoginLimits
}

/** Refresh tokens start with it (`vgr_` + 256 random bits). */
export const REFRESH_TOKEN_PREFIX = 'vgr_'

/** Names in the login audit and limiter are cut here, so a huge name cannot bloat the trail. */
const MAX_LOGGED_NAME = 256

function refused(detail: string): UnauthenticatedError {
  return new UnauthenticatedError(detail, true)
}

const BAD_LOGIN = 'Invalid user name or password'

/**
 * Who is asking, and sessions: API keys, access tokens (ours or an external issuer's), logins
 * with a password and the refresh tokens that keep them going (rotated on every use; presenting
 * a used one again revokes its whole family, RFC 9700 4.14.2).
 */
export class AuthService {
  readonly tokens: AccessTokens
  private readonly limiter: LoginLimiter
  private readonly externalUsers: ExternalUsers

  constructor(
    private readonly store: AccessStore,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: AuthOptions,
  ) {
    this.tokens = new AccessTokens(options, clock)
    this.limiter = new LoginLimiter(store, clock, options.login)
    this.externalUsers = new ExternalUsers(store, audit, clock)
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString()
  }

  /**
   * The principal `credential` proves: an API key (`vg_…`) or an access token.
   * @throws UnauthenticatedError (invalid_token) with a sentence that never repeats the credential
   */
  async authenticate(credential: string): Promise<Principal> {
    if (credential.startsWith(API_KEY_PREFIX)) return this.authenticateKey(credential)
    const verified = await this.tokens.verify(credential)
    if (verified.source === 'ours') {
      const user = await this.store.getUser(verified.subject)
      return principal(usable(user, 'The user of this access token'), 'token')
    }
    const user = await this.externalUsers.resolve(
      verified.issuer,
      verified.subject,
      verified.claims.preferred_username,
    )
    return principal(usable(user, 'The user of this access token'), 'external')
  }

  private async authenticateKey(key: string): Promise<Principal> {
    const entry = await this.store.findApiKey(hashSecret(key))
    if (entry === null) throw refused('The API key is not valid')
    if (entry.revokedAt !== null) throw refused('The API key has been revoked')
    const now = this.clock.now()
    if (entry.expiresAt !== null && Date.parse(entry.expiresAt) <= now)
      throw refused('The API key has expired')
    const user = usable(await this.store.getUser(entry.userId), 'The user of this API key')
    try {
      await this.store.touchApiKey(entry.id, new Date(now).toISOString())
    } catch (error) {
      // Recording the last use is bookkeeping; the key itself was checked.
      this.logger.warn({ err: error, keyId: entry.id }, 'api key use not recorded')
    }
    return principal(user, 'api_key')
  }

  /**
   * Checks a user name and password. Every refusal (unknown user, disabled, no password, wrong
   * password) is the same error after the same scrypt work, so neither the answer nor its time
   * tells whether the name exists.
   * @throws AppError APP_ERR_RATE_LIMITED after too many failures for the name or the address
   */
  async login(name: string, password: string, ip: string | null): Promise<TokenPair> {
    this.requireSigning()
    const target = name.slice(0, MAX_LOGGED_NAME)
    return this.limiter.run(target, ip, async () => {
      const user = await this.store.findUserByName(name)
      const ok =
        user !== null && !user.disabled && user.passwordHash !== null
          ? await verifyPassword(password, user.passwordHash)
          : await verifyDummyPassword(password)
      if (!ok || user === null) {
        await this.audit.record({
          actor: { id: null, name: null, ip },
          action: LOGIN_FAILED,
          target,
        })
        throw refused(BAD_LOGIN)
      }
      const actor: Actor = { id: user.id, name: user.name, ip }
      await this.audit.record({ actor, action: 'login', target })
      await this.store.updateUser(user.id, { lastLoginAt: this.now() }, this.now())
      return this.issue(user, randomUUID())
    })
  }

  /**
   * Trades a refresh token for a new pair of the same family. A token presented after it was
   * replaced (or revoked) revokes the family: whoever holds the other copy loses it too.
   */
  async refresh(refreshToken: string, ip: string | null): Promise<TokenPair> {
    this.requireSigning()
    const entry = await this.store.findRefreshToken(hashSecret(refreshToken))
    if (entry === null) throw refused('The refresh token is not valid')
    if (Date.parse(entry.expiresAt) <= this.clock.now())
      throw refused('The refresh token has expired; log in again')
    if (entry.revokedAt !== null || !(await this.store.revokeRefreshToken(entry.id, this.now())))
      return this.reused(entry, ip)
    const user = usable(await this.store.getUser(entry.userId), 'The user of this refresh token')
    return this.issue(user, entry.family)
  }

  private async reused(entry: RefreshTokenEntry, ip: string | null): Promise<never> {
    await this.store.revokeRefreshFamily(entry.family, this.now())
    await this.audit.record({
      actor: { id: entry.userId, name: null, ip },
      action: 'refresh.reused',
      target: entry.userId,
      detail: { family: entry.family },
    })
    throw refused('The refresh token was already used; log in again')
  }

  /** Ends the session of `refreshToken` (its whole family). Unknown or used tokens: no error. */
  async logout(refreshToken: string, actor: Actor | null): Promise<void> {
    const entry = await this.store.findRefreshToken(hashSecret(refreshToken))
    if (entry === null) return
    await this.store.revokeRefreshFamily(entry.family, this.now())
    await this.audit.record({
      actor: actor ?? { id: entry.userId, name: null, ip: null },
      action: 'logout',
      target: entry.userId,
    })
  }

  private async issue(user: UserEntry, family: string): Promise<TokenPair> {
    const refreshToken = REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url')
    const now = this.clock.now()
    await this.store.createRefreshToken({
      id: randomUUID(),
      userId: user.id,
      tokenHash: hashSecret(refreshToken),
      family,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.options.refreshTtlMs).toISOString(),
      revokedAt: null,
    })
    const access = await this.tokens.sign(user.id)
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
    }
  }

  private requireSigning(): void {
    if (!this.tokens.canSign)
      throw new AppError('APP_ERR_CONFLICT', 'Logins need AUTH=on and JWT_SECRET')
  }
}

/** `user` when it exists and is enabled; else the 401 `whose` names. */
function usable(user: UserEntry | null, whose: string): UserEntry {
  if (user === null) throw refused(`${whose} no longer exists`)
  if (user.disabled) throw refused(`${whose} is disabled`)
  return user
}

function principal(user: UserEntry, via: Principal['via']): Principal {
  return { id: user.id, name: user.name, admin: user.admin, via, limits: user.limits }
}
