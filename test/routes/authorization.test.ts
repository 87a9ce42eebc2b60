import { randomUUID } from 'node:crypto'
import type { FastifyInstance, HTTPMethods, RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UI_PAGES } from '../../src/plugins/web-ui.js'
import { createTestApp, listenTestApp } from '../helpers/app.js'
import { WebSocket } from '../helpers/ws-client.js'
import {
  algNoneToken,
  apiKeyHeader,
  authEnv,
  bearer,
  createExpiredKey,
  createKey,
  createUser,
  ERROR_FIELDS,
  expiredToken,
  foreignRs256Token,
  login,
  signToken,
} from '../helpers/auth.js'

/**
 * The authorization matrix (OWASP API5, function-level authorization), built from the route table
 * itself: every route the app declares, against every kind of credential. A route added without
 * an access rule, or one that lets a bad credential through, fails here.
 */

const METRICS_TOKEN = 'a-metrics-token-of-the-matrix-tests'

interface DeclaredRoute {
  method: string
  url: string
  /** The options object Fastify passed to onRoute; later hooks (the auth plugin's) may amend it. */
  options: RouteOptions
}

const access = (route: DeclaredRoute) =>
  (route.options.config as { access?: string } | undefined)?.access

/** A concrete path for a route pattern: every parameter a random uuid, a wildcard a file name. */
const pathOf = (url: string) =>
  url.replace(/:[A-Za-z_]+/g, () => randomUUID()).replace(/\*$/, 'index.html')

describe('authorization matrix: every route × every credential (AUTH=on)', () => {
  const declared: DeclaredRoute[] = []
  let app: FastifyInstance
  /** Credential name → the headers (and query) that carry it. */
  const bad: Record<string, { headers?: Record<string, string>; query?: string }> = {}
  const good: Record<'userA' | 'userB' | 'admin', Record<string, string>> = {
    userA: {},
    userB: {},
    admin: {},
  }

  beforeAll(async () => {
    app = await createTestApp(authEnv({ METRICS_TOKEN }), {
      onRoute: (route) => {
        const methods = (Array.isArray(route.method) ? route.method : [route.method]) as string[]
        for (const method of methods) {
          // HEAD routes are Fastify's copies of the GET routes. OPTIONS * is @fastify/cors's
          // preflight route, answered by its own onRequest hook before any credential is asked
          // (a browser sends none with a preflight).
          if (method === 'HEAD' || (method === 'OPTIONS' && route.url === '*')) continue
          declared.push({ method, url: route.url, options: route })
        }
      },
    })
    await app.ready()
    const admin = await createUser(app, 'matrix-admin', { admin: true })
    const userA = await createUser(app, 'matrix-a')
    const userB = await createUser(app, 'matrix-b')
    const disabled = await createUser(app, 'matrix-disabled')

    const revokedKey = await app.services.access.keys.create(
      userA.id,
      { name: 'revoked', expiresAt: null },
      null,
    )
    await app.services.access.keys.revoke(userA.id, revokedKey.entry.id, null)
    const disabledKey = await createKey(app, disabled.id)
    const disabledToken = (await login(app, disabled)).access_token
    await app.services.access.users.update(disabled.id, { disabled: true }, null)

    bad.none = {}
    bad.malformedBearer = { headers: { authorization: 'Bearer not.a.jwt!!' } }
    bad.emptyBearer = { headers: { authorization: 'Bearer' } }
    bad.basic = {
      headers: {
        authorization: `Basic ${Buffer.from(`${userA.name}:${userA.password}`).toString('base64')}`,
      },
    }
    bad.expiredJwt = { headers: bearer(await expiredToken(userA.id)) }
    bad.otherKeyJwt = {
      headers: bearer(
        await signToken(userA.id, { secret: 'another-secret-of-at-least-thirty-two-chars' }),
      ),
    }
    bad.algNone = { headers: bearer(algNoneToken(userA.id)) }
    bad.rs256Confusion = { headers: bearer(await foreignRs256Token(userA.id)) }
    bad.unknownSubject = { headers: bearer(await signToken(randomUUID())) }
    bad.wrongAudience = { headers: bearer(await signToken(userA.id, { audience: 'someone-else' })) }
    bad.unknownKey = { headers: apiKeyHeader(`vg_${'A'.repeat(43)}`) }
    bad.revokedKey = { headers: apiKeyHeader(revokedKey.key) }
    bad.expiredKey = { headers: bearer(await createExpiredKey(app, userA.id)) }
    bad.disabledUserKey = { headers: apiKeyHeader(disabledKey) }
    bad.disabledUserToken = { headers: bearer(disabledToken) }
    // A token in the query string counts on the event streams and the WebSocket only.
    bad.queryTokenElsewhere = { query: `access_token=${(await login(app, userA)).access_token}` }

    good.userA = bearer((await login(app, userA)).access_token)
    good.userB = apiKeyHeader(await createKey(app, userB.id))
    good.admin = bearer((await login(app, admin)).access_token)
  }, 30_000)
  afterAll(() => app?.close())

  const call = (
    route: DeclaredRoute,
    credential: { headers?: Record<string, string>; query?: string },
  ) => {
    const path = pathOf(route.url)
    return app.inject({
      method: route.method as HTTPMethods,
      url: credential.query ? `${path}?${credential.query}` : path,
      headers: credential.headers ?? {},
      ...(['GET', 'DELETE'].includes(route.method) ? {} : { payload: {} }),
    })
  }

  it('collects the route table, and every route declares who may call it', () => {
    expect(declared.length).toBeGreaterThan(30)
    const urls = declared.map((route) => `${route.method} ${route.url}`)
    for (const expected of [
      'POST /api/generate',
      'GET /api/generations/:id',
      'POST /api/jobs/:id/retry',
      'GET /api/ws',
      'GET /api/admin/settings',
      'POST /api/auth/login',
      'GET /metrics',
    ]) {
      expect(urls).toContain(expected)
    }
    const without = declared.filter(
      (route) => !['public', 'user', 'admin', 'metrics'].includes(access(route) ?? ''),
    )
    expect(without.map((route) => `${route.method} ${route.url}`)).toEqual([])
    // The few routes open to anyone: health, the documents, login, refresh, logout, and the
    // web UI's pages and files (it holds no data; it calls the API with the user's credential).
    const open = declared
      .filter((route) => access(route) === 'public')
      .map((route) => `${route.method} ${route.url}`)
      .filter((route) => !route.includes('/api/docs'))
      .sort()
    expect(open).toEqual(
      [
        'GET /api/health',
        'GET /api/openapi.json',
        'POST /api/auth/login',
        'POST /api/auth/logout',
        'POST /api/auth/refresh',
        'GET /assets/*',
        ...UI_PAGES.map((page) => `GET ${page}`),
      ].sort(),
    )
  })

  it('refuses every bad credential on every user and admin route with 401 in the one error shape, and never on a public one', async () => {
    const wrong: string[] = []
    for (const route of declared) {
      const rule = access(route)
      if (rule === 'metrics') continue
      await Promise.all(
        Object.entries(bad).map(async ([name, credential]) => {
          if (name === 'queryTokenElsewhere' && route.options.config?.queryToken) return
          const response = await call(route, credential)
          const where = `${route.method} ${route.url} with ${name}: ${response.statusCode}`
          if (rule === 'public') {
            if ([401, 403].includes(response.statusCode)) wrong.push(`${where} (public route)`)
            return
          }
          if (response.statusCode !== 401) return wrong.push(`${where}, expected 401`)
          if (!/^Bearer\b/.test(String(response.headers['www-authenticate'])))
            wrong.push(`${where} without WWW-Authenticate: Bearer`)
          const body = response.json() as Record<string, unknown>
          if (body.code !== 'APP_ERR_UNAUTHENTICATED' || body.status_code !== 401)
            wrong.push(`${where} answered code ${String(body.code)}`)
          if (JSON.stringify(Object.keys(body).sort()) !== JSON.stringify(ERROR_FIELDS))
            wrong.push(`${where} answered the fields ${Object.keys(body).join(', ')}`)
        }),
      )
    }
    expect(wrong).toEqual([])
  }, 60_000)

  it('lets users A and B and the admin through user routes, and only the admin through admin routes', async () => {
    const wrong: string[] = []
    for (const route of declared) {
      const rule = access(route)
      if (rule === 'metrics') continue
      for (const [name, headers] of Object.entries(good)) {
        const response = await call(route, { headers })
        const where = `${route.method} ${route.url} as ${name}: ${response.statusCode} ${response.body.slice(0, 200)}`
        const refused = [401, 403].includes(response.statusCode)
        if (rule === 'admin' && name !== 'admin') {
          if (response.statusCode !== 403) wrong.push(`${where}, expected 403`)
          else if (response.json().code !== 'APP_ERR_FORBIDDEN') wrong.push(`${where}, wrong code`)
        } else if (refused) {
          wrong.push(`${where}, expected neither 401 nor 403`)
        }
      }
    }
    expect(wrong).toEqual([])
  }, 60_000)

  it('accepts ?access_token= on the event stream and the WebSocket routes', async () => {
    const token = good.userA.authorization!.replace('Bearer ', '')
    const events = await app.inject({
      method: 'GET',
      url: `/api/jobs/${randomUUID()}/events?access_token=${token}`,
    })
    expect(events.statusCode).toBe(404)
    const ws = await app.inject({ method: 'GET', url: `/api/ws?access_token=${token}` })
    // A plain GET of the WebSocket route: the credential passed, the handshake is missing.
    expect(ws.statusCode).toBe(400)
    const refused = await app.inject({
      method: 'GET',
      url: `/api/jobs/${randomUUID()}/events?access_token=${algNoneToken(randomUUID())}`,
    })
    expect(refused.statusCode).toBe(401)
  })

  it('refuses a WebSocket handshake without a good credential, before the upgrade', async () => {
    const { url } = await listenTestApp(app)
    const handshake = (query: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/ws${query}`)
        socket.once('open', () => {
          socket.close()
          resolve('open')
        })
        socket.once('error', (error) => resolve(error.message))
      })
    const token = good.userA.authorization!.replace('Bearer ', '')
    expect(await handshake(`?access_token=${token}`)).toBe('open')
    for (const query of [
      '',
      `?access_token=${algNoneToken(randomUUID())}`,
      `?access_token=${bad.expiredJwt!.headers!.authorization!.replace('Bearer ', '')}`,
      `?access_token=${bad.revokedKey!.headers!['x-api-key']}`,
    ]) {
      expect(await handshake(query)).toContain('401')
    }
  })

  it('answers /metrics only to METRICS_TOKEN', async () => {
    const metrics = declared.filter((route) => access(route) === 'metrics')
    expect(metrics.map((route) => route.url)).toEqual(['/metrics'])
    for (const credential of [
      ...Object.values(bad),
      ...Object.values(good).map((headers) => ({ headers })),
    ]) {
      const response = await call(metrics[0]!, credential)
      expect(response.statusCode).toBe(401)
      expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/)
      expect(response.json().code).toBe('APP_ERR_UNAUTHENTICATED')
    }
    const allowed = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: bearer(METRICS_TOKEN),
    })
    expect(allowed.statusCode).toBe(200)
    expect(allowed.body).toContain('# TYPE')
    // The refusals of this suite are counted, 401s and 403s apart.
    for (const reason of ['unauthenticated', 'forbidden']) {
      const counted = new RegExp(`verigen_auth_refusals_total\\{reason="${reason}"\\} (\\d+)`)
      expect(Number(counted.exec(allowed.body)?.[1])).toBeGreaterThan(0)
    }
  })

  it('declares the security schemes in OpenAPI; public routes say security: [] and the others need one', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
    expect(response.statusCode).toBe(200)
    const document = response.json()
    expect(document.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    })
    expect(document.security).toEqual(expect.arrayContaining([{ bearer: [] }, { apiKey: [] }]))
    const wrong: string[] = []
    for (const route of declared) {
      const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}')
      const operation = document.paths[path]?.[route.method.toLowerCase()]
      if (!operation) continue
      const rule = access(route)
      if (rule === 'public' && JSON.stringify(operation.security) !== '[]')
        wrong.push(
          `${route.method} ${route.url} is public but its security is ${JSON.stringify(operation.security)}`,
        )
      if ((rule === 'user' || rule === 'admin') && JSON.stringify(operation.security) === '[]')
        wrong.push(`${route.method} ${route.url} needs a credential but says security: []`)
      if ((rule === 'user' || rule === 'admin') && !operation.responses?.['401'])
        wrong.push(`${route.method} ${route.url} documents no 401`)
      if (rule === 'admin' && !operation.responses?.['403'])
        wrong.push(`${route.method} ${route.url} documents no 403`)
    }
    expect(wrong).toEqual([])
    // The operations checked are most of the table, not a lucky few.
    expect(Object.keys(document.paths).length).toBeGreaterThan(20)
  })
})
