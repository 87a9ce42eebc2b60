import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { testConfig } from './config.js'

/** Log lines an app wrote, parsed. */
export class LogCapture {
  readonly stream = new PassThrough()
  private text = ''

  constructor() {
    this.stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8')
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

/** An app built from the test configuration plus overrides, not yet listening. */
export async function createTestApp(
  environment: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  return buildApp(testConfig(environment), options)
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
