import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { launchBrowser } from './browser.js'
import { startDemoServer, type DemoOptions, type DemoServer } from './demo-server.js'
import { builtWebRoot } from './web-build.js'

/** Generous: a page's first load builds nothing, but verification runs a real sandbox. */
export const E2E_TIMEOUT = 60_000

export interface E2eSuite {
  readonly browser: Browser
  readonly server: DemoServer
}

/**
 * One chromium and one demo server (serving the UI built from the current sources) for a test
 * file, started before its tests and closed after them.
 */
export function useE2e(options: DemoOptions = {}): E2eSuite {
  let browser: Browser | undefined
  let server: DemoServer | undefined
  beforeAll(async () => {
    const [webRoot, launched] = await Promise.all([builtWebRoot(), launchBrowser()])
    browser = launched
    server = await startDemoServer({ ...options, webRoot })
  }, 240_000)
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })
  return {
    get browser() {
      if (!browser) throw new Error('the browser is not started')
      return browser
    },
    get server() {
      if (!server) throw new Error('the demo server is not started')
      return server
    },
  }
}

/** A prompt the scripted model answers with its Python function, tests and docs. */
export const PROMPT = 'Write a function that parses an ISO-8601 duration into seconds'

/** A line of the scripted model's code, present once the code is complete. */
export const LAST_CODE_LINE = 'return 3600'

/** The whole token pair of a login over HTTP. */
export async function apiLogin(
  server: DemoServer,
  user: { name: string; password: string },
): Promise<string> {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user.name, password: user.password }),
  })
  if (response.status !== 200) throw new Error(`login of ${user.name}: ${response.status}`)
  return ((await response.json()) as { access_token: string }).access_token
}

/** A JSON call to the API, with a Bearer token when given; throws on a non-2xx answer. */
export async function api<T>(
  server: DemoServer,
  path: string,
  options: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<T> {
  const headers: Record<string, string> = {}
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (options.token) headers.authorization = `Bearer ${options.token}`
  const response = await fetch(`${server.url}/api${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  })
  const text = await response.text()
  if (!response.ok)
    throw new Error(`${options.method ?? 'GET'} ${path}: ${response.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

/** A completed generation made through the API (verification off: quicker, not needed). */
export async function generateThroughApi(
  server: DemoServer,
  prompt: string,
  token: string | null = null,
): Promise<{ id: string; code: string }> {
  return api(server, '/generate', {
    method: 'POST',
    token,
    body: { prompt, programming_language: 'python', options: { verify: false } },
  })
}

/** `expect.poll` with a patience fit for a browser on a busy machine (its default is 1 s). */
export function poll<T>(check: () => T | Promise<T>, options: { timeout?: number } = {}) {
  return expect.poll(check, { timeout: 15_000, interval: 100, ...options })
}

/** Waits for a job to reach `status` (polling its API), or fails after `timeoutMs`. */
export async function waitForJob(
  server: DemoServer,
  id: string,
  status: string,
  token: string | null = null,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    last = (await api<{ status: string }>(server, `/jobs/${id}`, { token })).status
    if (last === status) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`job ${id} is ${last}, not ${status}, after ${timeoutMs} ms`)
}
