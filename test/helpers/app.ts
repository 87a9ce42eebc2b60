import type { ServerResponse } from 'node:http'
import { PassThrough, Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { BwrapSandbox } from '../../src/adapters/sandbox/bwrap.js'
import { buildApp, type BuildOptions } from '../../src/app.js'
import type { Sandbox } from '../../src/ports/sandbox.js'
import { testConfig } from './config.js'
import { checkResponses } from './response-check.js'
import { ARTIFACTS_VARIABLE, recordArtifact } from './secrets.js'

/** Log lines an app wrote, parsed. */
export class LogCapture {
  readonly stream = new PassThrough()
  private text = ''

  constructor() {
    this.stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8')
      recordArtifact('log', chunk)
    })
  }

  get raw(): string {
    return this.text
  }

  get lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  }
}

/**
 * An app built from the test configuration plus overrides, not yet listening. Every JSON answer
 * it sends is checked against its route's declared schema (./response-check.ts). In a run with the
 * secret scan (test/global-setup.ts) its logs (at `info` unless the test chose), every response
 * body it sends and, when it closes, its stored generations go to the run's artifacts.
 */
/**
 * One bubblewrap sandbox for every app of a test file: the runners it finds and the build caches
 * it makes are then found and made once, not once per app (a few seconds each).
 */
let sharedSandbox: Sandbox | undefined

export async function createTestApp(
  environment: Record<string, string> = {},
  built: BuildOptions = {},
): Promise<FastifyInstance> {
  const bwrap = testConfig(environment).verification.sandbox === 'bwrap'
  const options: BuildOptions = {
    ...built,
    sandbox: built.sandbox ?? (bwrap ? (sharedSandbox ??= new BwrapSandbox()) : undefined),
    onRoute: (route) => {
      built.onRoute?.(route)
      checkResponses(route)
    },
  }
  if (!process.env[ARTIFACTS_VARIABLE]) return buildApp(testConfig(environment), options)
  const logged = options.logDestination === undefined
  const app = await buildApp(
    testConfig(logged ? { LOG_LEVEL: 'info', ...environment } : environment),
    logged ? { ...options, logDestination: artifactLog() } : options,
  )
  recordResponses(app)
  app.addHook('preClose', () => recordStoredRows(app))
  return app
}

function artifactLog(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      recordArtifact('log', chunk)
      done()
    },
  })
}

/** Tees every response body, over a socket (SSE writes included) or through inject(). */
function recordResponses(app: FastifyInstance): void {
  app.server.prependListener('request', (_request, response: ServerResponse) => {
    const chunks: Buffer[] = []
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string') chunks.push(Buffer.from(chunk))
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk))
    }
    const { write, end } = response
    response.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk)
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
    } as ServerResponse['write']
    response.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'function') keep(chunk)
      return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest)
    } as ServerResponse['end']
    response.once('close', () => recordArtifact('response', Buffer.concat(chunks)))
  })
  const inject = app.inject.bind(app) as (...args: unknown[]) => unknown
  const recorded = (...args: unknown[]) => {
    const result = inject(...args)
    // With options and no callback, inject() answers a promise (or a thenable chain).
    const thenable = result as { then?: unknown } | undefined
    if (
      args.length === 1 &&
      typeof args[0] !== 'function' &&
      typeof thenable?.then === 'function'
    ) {
      return (result as Promise<{ rawPayload: Buffer }>).then((response) => {
        recordArtifact('response', response.rawPayload)
        return response
      })
    }
    return result
  }
  Object.defineProperty(app, 'inject', { value: recorded, configurable: true, writable: true })
}

/** Every generation the app's store holds, with its request, result and attempts. */
async function recordStoredRows(app: FastifyInstance): Promise<void> {
  try {
    let cursor: string | undefined
    for (let page = 0; page < 100; page++) {
      const { items, nextCursor } = await app.services.store.list({ limit: 100, cursor })
      for (const record of items) recordArtifact('row', JSON.stringify(record))
      if (!nextCursor) break
      cursor = nextCursor
    }
  } catch {
    // A test that replaced or closed the store has nothing here to show.
  }
}

/** An app listening on an ephemeral port of 127.0.0.1, for tests that need a real socket. */
export async function listenTestApp(app: FastifyInstance): Promise<{ url: string; port: number }> {
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url, port: Number(new URL(url).port) }
}

/** A fetch response body as loosely-typed JSON, for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson(response: Response): Promise<any> {
  return response.json()
}
