import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto'
import {
  createRemoteJWKSet,
  decodeJwt,
  errors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import { DependencyError, UnauthenticatedError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'

/** Issuer and audience of the access tokens this server signs. */
export const OUR_ISSUER = 'verigen'

/**
 * What an external issuer may sign with: asymmetric algorithms only, so that its public keys can
 * never be used as an HMAC secret (algorithm confusion), and never `none`.
 */
const EXTERNAL_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]

/** The settings of config.auth that tokens need. */
export interface TokenOptions {
  /** HS256 key of our access tokens; null: we sign and accept none. */
  jwtSecret: string | null
  accessTtlMs: number
  clockToleranceMs: number
  /** An external OIDC issuer whose tokens are accepted as well, or null. */
  jwks: { url: string; issuer: string; audience: string } | null
}

/** Whose token it was, once its signature and claims have been checked. */
export type VerifiedToken =
  | { source: 'ours'; subject: string; claims: JWTPayload }
  | { source: 'external'; issuer: string; subject: string; claims: JWTPayload }

/** An access token and its lifetime in seconds. */
export interface SignedToken {
  token: string
  expiresIn: number
}

function invalid(detail = 'The access token is not valid'): UnauthenticatedError {
  return new UnauthenticatedError(detail, true)
}

/**
 * Signs and verifies access tokens with jose. Ours are HS256 with `JWT_SECRET`; an external
 * issuer's are checked against its JWKS. The token's `iss` only chooses which check runs; the
 * check itself (keys, algorithms, issuer, audience, times) decides.
 */
export class AccessTokens {
  /** Made once: handed raw bytes, jose would import the key again at every check. */
  private readonly secret: KeyObject | null
  private readonly keySet: JWTVerifyGetKey | null

  constructor(
    private readonly options: TokenOptions,
    private readonly clock: Clock,
  ) {
    this.secret =
      options.jwtSecret === null ? null : createSecretKey(Buffer.from(options.jwtSecret, 'utf8'))
    this.keySet =
      options.jwks === null
        ? null
        : createRemoteJWKSet(new URL(options.jwks.url), {
            timeoutDuration: 5000,
            cooldownDuration: 30_000,
          })
  }

  /** Whether this server can sign tokens (a JWT secret is set). */
  get canSign(): boolean {
    return this.secret !== null
  }

  /** A new access token for user `userId`. @throws Error when no secret is set */
  async sign(userId: string): Promise<SignedToken> {
    if (this.secret === null) throw new Error('No JWT secret to sign access tokens with')
    const now = Math.floor(this.clock.now() / 1000)
    const expiresIn = Math.max(1, Math.round(this.options.accessTtlMs / 1000))
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(OUR_ISSUER)
      .setAudience(OUR_ISSUER)
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .sign(this.secret)
    return { token, expiresIn }
  }

  /**
   * Checks `token`. @throws UnauthenticatedError (one sentence, never the token) when refused;
   * DependencyError when the external issuer's keys cannot be fetched
   */
  async verify(token: string): Promise<VerifiedToken> {
    let issuer: unknown
    try {
      issuer = decodeJwt(token).iss
    } catch {
      throw invalid()
    }
    const common = {
      currentDate: new Date(this.clock.now()),
      clockTolerance: this.options.clockToleranceMs / 1000,
      requiredClaims: ['sub', 'exp'],
    }
    if (issuer === OUR_ISSUER && this.secret !== null) {
      const { payload } = await check(false, () =>
        jwtVerify(token, this.secret!, {
          ...common,
          algorithms: ['HS256'],
          issuer: OUR_ISSUER,
          audience: OUR_ISSUER,
        }),
      )
      return { source: 'ours', subject: payload.sub!, claims: payload }
    }
    const external = this.options.jwks
    if (external !== null && this.keySet !== null && issuer === external.issuer) {
      const { payload } = await check(true, () =>
        jwtVerify(token, this.keySet!, {
          ...common,
          algorithms: EXTERNAL_ALGORITHMS,
          issuer: external.issuer,
          audience: external.audience,
        }),
      )
      return { source: 'external', issuer: external.issuer, subject: payload.sub!, claims: payload }
    }
    throw invalid('The access token comes from an issuer this server does not accept')
  }
}

/**
 * Runs a jose verification, turning its refusals into 401s with a sentence saying why. With
 * `remote`, a failure to fetch the key set (timeout, network, a non-200 answer, which jose
 * reports as a plain JOSEError) is the issuer's outage, a 503, not the client's fault.
 */
async function check<T>(remote: boolean, verification: () => Promise<T>): Promise<T> {
  try {
    return await verification()
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw invalid('The access token has expired')
    const unreachable =
      error instanceof errors.JWKSTimeout ||
      !(error instanceof errors.JOSEError) ||
      error.code === 'ERR_JOSE_GENERIC'
    if (remote && unreachable)
      throw new DependencyError("The identity provider's signing keys could not be fetched", error)
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf')
      throw invalid('The access token is not valid yet')
    throw invalid()
  }
}
