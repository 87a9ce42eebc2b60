import { execFileSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import postgres from 'postgres'
import { projectRoot, reachable, spawnBuiltServer, stop, waitHealthy } from './server.js'
import { percentiles, round, type Percentiles } from './stats.js'

/** One variant's load over all its slices: requests per second, latency of the 200 answers. */
export interface AuthLoad {
  requests_per_s: number
  p50_ms: number
  p99_ms: number
  errors: number
}

/**
 * The four variants of one route. They take turns in short slices (AUTH=off, JWT, API key,
 * AUTH=off again, and over), each against a server of its own mode.
 */
export interface AuthRouteRuns {
  off_before: AuthLoad
  jwt: AuthLoad
  api_key: AuthLoad
  off_after: AuthLoad
  /**
   * Throughput lost against the mean of the two AUTH=off runs, in % (negative: faster), and
   * the p50 latency added, in milliseconds.
   */
  overhead: {
    jwt_throughput_percent: number
    api_key_throughput_percent: number
    jwt_p50_added_ms: number
    api_key_p50_added_ms: number
  }
}

export interface AuthBackendResult {
  database: 'sqlite' | 'postgres'
  languages: AuthRouteRuns
  analyze: AuthRouteRuns
  login: {
    /** One login at a time. */
    sequential_ms: Percentiles
    /** `clients` logging in at once. */
    concurrent: Percentiles & { clients: number; logins: number; logins_per_s: number }
    /** GET /api/health one at a time, with nothing else running and during the concurrent logins. */
    health_idle_ms: Percentiles
    health_during_logins_ms: Percentiles
  }
  seconds: number
}

export interface AuthBenchResult {
  note: string
  backends: AuthBackendResult[]
}

interface BenchAuthOptions {
  /** Seconds of load per variant and route, cut into `slices` that take turns. */
  seconds: number
  slices: number
  clients: number
  sequentialLogins: number
  concurrentLogins: number
  loginClients: number
  only?: 'sqlite' | 'postgres'
}

const PORTS = { off: 18_681, on: 18_682 }
const REQUEST_TIMEOUT_MS = 30_000
const SMALL_PYTHON =
  'def area(width, height):\n    if width < 0 or height < 0:\n        raise ValueError("negative")\n    return width * height\n'
const ANALYZE_BODY = JSON.stringify({ code: SMALL_PYTHON, programming_language: 'python' })
const USER = 'bench'

interface Answer {
  status: number
  text: string
}

/** One HTTP request on `agent`, its answer read whole. */
function call(
  agent: Agent,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const sent: Record<string, string | number> =
    body === undefined
      ? headers
      : {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, headers: sent, timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        const parts: Buffer[] = []
        response.on('data', (part: Buffer) => parts.push(part))
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(parts).toString() }),
        )
        response.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)))
    req.on('error', reject)
    req.end(body)
  })
}

interface Target {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body?: string
}

/** A route as one variant sends it, on keep-alive connections of its own. */
class Sender {
  readonly latencies: number[] = []
  errors = 0
  seconds = 0
  private readonly agent: Agent

  constructor(
    private readonly target: Target,
    private readonly clients: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: clients })
  }

  private send(): Promise<number> {
    const { method, url, headers, body } = this.target
    return call(this.agent, method, url, headers, body).then(
      (answer) => answer.status,
      () => 0,
    )
  }

  /** Opens the connections and warms the server's path; any answer but 200 stops the bench. */
  async warmUp(rounds: number): Promise<void> {
    for (let index = 0; index < rounds; index++) {
      const statuses = await Promise.all(Array.from({ length: this.clients }, () => this.send()))
      const refused = statuses.find((status) => status !== 200)
      if (refused !== undefined)
        throw new Error(`${this.target.method} ${this.target.url} answered ${refused}`)
    }
  }

  /** `clients` requests in flight, back to back, for `seconds`; the figures add up over slices. */
  async slice(seconds: number): Promise<void> {
    const started = performance.now()
    const end = started + seconds * 1000
    await Promise.all(
      Array.from({ length: this.clients }, async () => {
        while (performance.now() < end) {
          const sentAt = performance.now()
          if ((await this.send()) === 200) this.latencies.push(performance.now() - sentAt)
          else this.errors++
        }
      }),
    )
    this.seconds += (performance.now() - started) / 1000
  }

  result(): AuthLoad {
    this.agent.destroy()
    const figures = percentiles(this.latencies)
    return {
      requests_per_s: Math.round(this.latencies.length / this.seconds),
      p50_ms: figures.p50,
      p99_ms: figures.p99,
      errors: this.errors,
    }
  }
}

/**
 * The four variants of one route in turn, one short slice each, `slices` times over: the
 * machine's drift (other work on it) spreads over all of them instead of favouring one.
 */
async function interleaved(
  variants: [Sender, Sender, Sender, Sender],
  slices: number,
  seconds: number,
): Promise<[AuthLoad, AuthLoad, AuthLoad, AuthLoad]> {
  for (const sender of variants) await sender.warmUp(8)
  for (let index = 0; index < slices; index++)
    for (const sender of variants) await sender.slice(seconds / slices)
  return variants.map((sender) => sender.result()) as [AuthLoad, AuthLoad, AuthLoad, AuthLoad]
}

interface Backend {
  database: 'sqlite' | 'postgres'
  databaseUrl: string
  cleanup(): Promise<void>
}

function sqliteBackend(): Backend {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-bench-auth-'))
  return {
    database: 'sqlite',
    databaseUrl: `sqlite://${join(directory, 'auth.db')}`,
    async cleanup() {
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

/** A database of its own on the local PostgreSQL, dropped at the end; null when none answers. */
async function postgresBackend(): Promise<Backend | null> {
  if (!(await reachable('127.0.0.1', 5432))) return null
  const name = `bench_auth_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', {
    max: 1,
    onnotice: () => {},
  })
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`)
  } catch (error) {
    await admin.end()
    throw error
  }
  return {
    database: 'postgres',
    databaseUrl: `postgres://postgres@127.0.0.1:5432/${name}`,
    async cleanup() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

/** Runs the built CLI against the bench's database; answers its stdout. */
function cli(environment: Record<string, string>, args: string[], input?: string): string {
  return execFileSync(process.execPath, ['dist/cli.js', ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ENV_FILE: '/dev/null', LOG_LEVEL: 'warn', ...environment },
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'inherit'],
  })
}

function overhead(off: [AuthLoad, AuthLoad], on: AuthLoad) {
  const throughput = (off[0].requests_per_s + off[1].requests_per_s) / 2
  const p50 = (off[0].p50_ms + off[1].p50_ms) / 2
  return {
    throughput_percent: Math.round(((throughput - on.requests_per_s) / throughput) * 1000) / 10,
    p50_added_ms: round(on.p50_ms - p50),
  }
}

function routeRuns(
  offBefore: AuthLoad,
  jwt: AuthLoad,
  apiKey: AuthLoad,
  offAfter: AuthLoad,
): AuthRouteRuns {
  const withJwt = overhead([offBefore, offAfter], jwt)
  const withKey = overhead([offBefore, offAfter], apiKey)
  return {
    off_before: offBefore,
    jwt,
    api_key: apiKey,
    off_after: offAfter,
    overhead: {
      jwt_throughput_percent: withJwt.throughput_percent,
      api_key_throughput_percent: withKey.throughput_percent,
      jwt_p50_added_ms: withJwt.p50_added_ms,
      api_key_p50_added_ms: withKey.p50_added_ms,
    },
  }
}

/** `count` GET /api/health one after the other (or until `until` settles), each timed. */
async function healthSeries(agent: Agent, base: string, until: Promise<unknown> | number) {
  const latencies: number[] = []
  let done = false
  if (typeof until !== 'number') {
    const finish = () => {
      done = true
    }
    until.then(finish, finish)
  }
  const count = typeof until === 'number' ? until : Infinity
  while (!done && latencies.length < count) {
    const sentAt = performance.now()
    const answer = await call(agent, 'GET', `${base}/health`, {})
    if (answer.status !== 200) throw new Error(`GET /api/health answered ${answer.status}`)
    latencies.push(performance.now() - sentAt)
  }
  return percentiles(latencies)
}

async function benchBackend(
  backend: Backend,
  options: BenchAuthOptions,
): Promise<AuthBackendResult> {
  const started = performance.now()
  const common = { RATE_LIMIT_REQUESTS: '0', DATABASE_URL: backend.databaseUrl }
  const authOn = {
    ...common,
    AUTH: 'on',
    JWT_SECRET: randomBytes(20).toString('hex'),
    // The login limiter counts attempts still running as failures to come, so more than
    // LOGIN_MAX_FAILURES (5) logins of one user at once are refused even when they would succeed.
    LOGIN_MAX_FAILURES: '1000',
  }
  const password = randomBytes(18).toString('base64url')
  // Creating the user first also migrates the database, before either server opens it.
  cli(authOn, ['users', 'create', '--name', USER, '--password-stdin'], password)
  const apiKey = cli(authOn, ['keys', 'create', '--user', USER, '--name', 'bench']).trim()
  const loginBody = JSON.stringify({ name: USER, password })

  // Both servers run at once on the same database; the one not under load idles.
  // spawnBuiltServer's file argument only builds DATABASE_URL, which the environment replaces.
  const off = spawnBuiltServer(PORTS.off, '', common)
  const on = spawnBuiltServer(PORTS.on, '', authOn)
  const agent = new Agent({ keepAlive: true, maxSockets: options.loginClients })
  const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    await Promise.all([waitHealthy(PORTS.off), waitHealthy(PORTS.on)])
    const offBase = `http://127.0.0.1:${PORTS.off}/api`
    const onBase = `http://127.0.0.1:${PORTS.on}/api`
    const login = async () => {
      const answer = await call(agent, 'POST', `${onBase}/auth/login`, {}, loginBody)
      if (answer.status !== 200) throw new Error(`POST /api/auth/login answered ${answer.status}`)
      return (JSON.parse(answer.text) as { access_token: string }).access_token
    }
    const bearer = { authorization: `Bearer ${await login()}` }
    const keyed = { 'x-api-key': apiKey }

    const { clients, seconds, slices } = options
    const route = (path: string, body?: string) => {
      const sender = (base: string, headers: Record<string, string>) =>
        new Sender(
          body === undefined
            ? { method: 'GET', url: `${base}${path}`, headers }
            : { method: 'POST', url: `${base}${path}`, headers, body },
          clients,
        )
      return interleaved(
        [sender(offBase, {}), sender(onBase, bearer), sender(onBase, keyed), sender(offBase, {})],
        slices,
        seconds,
      )
    }
    const languages = await route('/languages')
    const analyze = await route('/analyze', ANALYZE_BODY)
    await stop(off)

    const sequential: number[] = []
    for (let index = 0; index < options.sequentialLogins; index++) {
      const sentAt = performance.now()
      await login()
      sequential.push(performance.now() - sentAt)
    }
    const healthIdle = await healthSeries(healthAgent, onBase, 100)
    const concurrent: number[] = []
    let next = 0
    const burstStarted = performance.now()
    const burst = Promise.all(
      Array.from({ length: options.loginClients }, async () => {
        while (next++ < options.concurrentLogins) {
          const sentAt = performance.now()
          await login()
          concurrent.push(performance.now() - sentAt)
        }
      }),
    )
    const [healthDuring] = await Promise.all([healthSeries(healthAgent, onBase, burst), burst])
    const burstSeconds = (performance.now() - burstStarted) / 1000

    return {
      database: backend.database,
      languages: routeRuns(...languages),
      analyze: routeRuns(...analyze),
      login: {
        sequential_ms: percentiles(sequential),
        concurrent: {
          ...percentiles(concurrent),
          clients: options.loginClients,
          logins: concurrent.length,
          logins_per_s: round(concurrent.length / burstSeconds),
        },
        health_idle_ms: healthIdle,
        health_during_logins_ms: healthDuring,
      },
      seconds: round((performance.now() - started) / 1000),
    }
  } finally {
    agent.destroy()
    healthAgent.destroy()
    await Promise.all([stop(off), stop(on)])
  }
}

function table(result: AuthBackendResult): string {
  const row = (label: string, runs: AuthRouteRuns) => {
    const cell = (run: AuthLoad) =>
      `${String(run.requests_per_s).padStart(6)}/s ${run.p50_ms}/${run.p99_ms} ms`.padEnd(26)
    return `  ${label.padEnd(16)}${cell(runs.off_before)}${cell(runs.jwt)}${cell(runs.api_key)}${cell(runs.off_after)}jwt ${runs.overhead.jwt_throughput_percent}% key ${runs.overhead.api_key_throughput_percent}%`
  }
  const { login } = result
  return [
    `auth [${result.database}] (${result.seconds} s): req/s p50/p99`,
    `  ${''.padEnd(16)}${['AUTH=off', 'AUTH=on JWT', 'AUTH=on API key', 'AUTH=off again'].map((title) => title.padEnd(26)).join('')}throughput lost`,
    row('GET languages', result.languages),
    row('POST analyze', result.analyze),
    `  login p50/p99 ${login.sequential_ms.p50}/${login.sequential_ms.p99} ms sequential; ${login.concurrent.logins_per_s} logins/s with ${login.concurrent.clients} clients (p50/p99 ${login.concurrent.p50}/${login.concurrent.p99} ms)`,
    `  health p50/p99 ${login.health_idle_ms.p50}/${login.health_idle_ms.p99} ms idle, ${login.health_during_logins_ms.p50}/${login.health_during_logins_ms.p99} ms during the logins (max ${login.health_during_logins_ms.max} ms)`,
  ].join('\n')
}

/**
 * Authentication: what AUTH=on costs per request (a JWT verified, or an API key looked up by its
 * hash, then the user loaded, on every request) against AUTH=off, on a cheap route and on a
 * small analysis; and what a login costs (scrypt on the thread pool), with the event loop's
 * responsiveness while logins run. On SQLite, and on PostgreSQL when it answers on 127.0.0.1.
 */
export async function benchAuth(options: Partial<BenchAuthOptions> = {}): Promise<AuthBenchResult> {
  const settings: BenchAuthOptions = {
    seconds: 5,
    slices: 5,
    clients: 16,
    sequentialLogins: 20,
    concurrentLogins: 24,
    loginClients: 8,
    ...options,
  }
  const backends: AuthBackendResult[] = []
  const run = async (backend: Backend) => {
    try {
      backends.push(await benchBackend(backend, settings))
    } finally {
      await backend.cleanup()
    }
  }
  if (settings.only !== 'postgres') await run(sqliteBackend())
  if (settings.only !== 'sqlite') {
    const scaled = await postgresBackend()
    if (scaled) await run(scaled)
    else console.warn('auth bench: PostgreSQL not reachable; SQLite only')
  }
  for (const result of backends) console.log(table(result))
  return {
    note: `Concurrency ${settings.clients}, ${settings.seconds} s per variant after a warm-up, in ${settings.slices} slices taking turns (AUTH=off, JWT, API key, AUTH=off again) against an AUTH=off and an AUTH=on server on the same database; the same small Python file for every analysis; RATE_LIMIT_REQUESTS=0. Throughput lost is against the mean of the two AUTH=off runs, whose difference shows the noise. Servers and this client share the machine.`,
    backends,
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // Alone, it builds the server it measures, as `npm run bench` does.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: projectRoot, stdio: 'inherit' })
  console.log(JSON.stringify(await benchAuth(), null, 2))
}
