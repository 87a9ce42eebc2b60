import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { REPO } from './web-build.js'

/** Debian's chromium: the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Whether the browser tests can run. Under CI=true a missing chromium is a failure (`.ci/run`
 * installs it); elsewhere the tests skip, saying why.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === 'true') {
    throw new Error(`${CHROMIUM} is missing, and CI=true requires it (apt-get install chromium)`)
  }
  console.warn(`${CHROMIUM} is missing: the browser tests are skipped`)
  return false
}

/** One headless chromium, for one test file. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
}

export type Scheme = 'light' | 'dark'

export interface ContextOptions {
  scheme?: Scheme
  width?: number
  height?: number
}

/** A fresh context (own session storage) at a width and colour scheme. */
export function newContext(
  browser: Browser,
  options: ContextOptions = {},
): Promise<BrowserContext> {
  return browser.newContext({
    colorScheme: options.scheme ?? 'light',
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    reducedMotion: 'reduce',
  })
}

/** What went wrong in a page: console errors, uncaught exceptions, CSP violations. */
export interface PageProblems {
  console: string[]
  exceptions: string[]
  csp: string[]
}

/** Whether any problem was seen. */
export function problemCount(problems: PageProblems): number {
  return problems.console.length + problems.exceptions.length + problems.csp.length
}

/**
 * A page that records its problems. CSP violations are caught with a `securitypolicyviolation`
 * listener installed before any of the page's scripts run (an init script goes through the
 * devtools protocol, so it is not itself subject to the page's CSP).
 */
export async function watchedPage(
  context: BrowserContext,
): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage()
  const problems: PageProblems = { console: [], exceptions: [], csp: [] }
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const where = message.location()
      problems.console.push(`${message.text()} (${where.url}:${where.lineNumber})`)
    }
  })
  page.on('pageerror', (error) => problems.exceptions.push(String(error.stack ?? error)))
  await page.exposeFunction('__verigenCspViolation', (text: string) => problems.csp.push(text))
  await page.addInitScript(`
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__verigenCspViolation(
        event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') +
        ' at ' + event.sourceFile + ':' + event.lineNumber)
    })
  `)
  return { page, problems }
}

const require = createRequire(import.meta.url)
/** axe-core's script, injected into pages with `page.evaluate` (not a script tag: the CSP). */
const AXE_SOURCE = (require('axe-core') as { source: string }).source

export interface AxeViolation {
  id: string
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null
  help: string
  nodes: { target: unknown[]; html: string; failureSummary?: string }[]
}

/**
 * axe-core's violations on the page as it is now. The script is evaluated through the devtools
 * protocol, which the page's `script-src 'self'` does not govern, so the CSP stays as served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate<boolean>(`typeof window.axe === 'object'`)
  if (!loaded) await page.evaluate(AXE_SOURCE)
  const result = await page.evaluate<{ violations: AxeViolation[] }>(
    `axe.run(document, { resultTypes: ['violations'] })`,
  )
  return result.violations
}

/** The serious and critical violations, one readable line each. */
export function severe(violations: AxeViolation[]): string[] {
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.help} — ${violation.nodes
          .slice(0, 3)
          .map((node) => `${JSON.stringify(node.target)} ${node.failureSummary ?? ''}`)
          .join(' | ')}`,
    )
}

export const SCREENSHOTS = join(REPO, 'test/e2e/screenshots')

/** A full-page screenshot under test/e2e/screenshots/ (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true, animations: 'disabled' })
  return path
}

/** The document's scroll width: more than the viewport means a horizontal page scroll. */
export function scrollWidth(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth')
}

/** Logs in through the login page. */
export async function logIn(page: Page, name: string, password: string): Promise<void> {
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('button', { name: 'Log out' }).waitFor()
}
