import type { Response } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import {
  axeViolations,
  chromiumAvailable,
  newContext,
  screenshot,
  severe,
  watchedPage,
} from './browser.js'
import { E2E_TIMEOUT, poll, useE2e } from './suite.js'

const available = chromiumAvailable()

/** The first load's budget of compressed JavaScript (issue 14). */
const FIRST_LOAD_JS_BUDGET = 300 * 1024

/** The server's pre-compressed files start at this size; smaller ones go as they are. */
const SMALLEST_COMPRESSED = 1024

describe.skipIf(!available)('the CSP, the API docs and the first-load budget', () => {
  const suite = useE2e()

  it('serves / with a script-src that allows no inline script and no eval', async () => {
    const response = await fetch(`${suite.server.url}/`)
    expect(response.status).toBe(200)
    const policy = response.headers.get('content-security-policy') ?? ''
    const directives = new Map(
      policy
        .split(';')
        .map((part) => part.trim().split(/\s+/))
        .filter((words) => words[0])
        .map((words) => [words[0]!, words.slice(1)]),
    )
    const scripts = directives.get('script-src') ?? directives.get('default-src')
    expect(scripts, policy).toBeDefined()
    expect(scripts).not.toContain("'unsafe-inline'")
    expect(scripts).not.toContain("'unsafe-eval'")
    expect(scripts).not.toContain('*')
    expect(directives.get('script-src-attr') ?? scripts).not.toContain("'unsafe-inline'")
    // The page itself has no inline script for such a policy to block.
    const html = await response.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i)
  })

  it(
    'checks what it claims: axe runs under the CSP and finds a planted violation, and a blocked inline script is caught',
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(suite.server.url)
      await page.getByRole('button', { name: 'Generate' }).waitFor()
      // Injected through the devtools protocol, axe itself violates nothing.
      expect(severe(await axeViolations(page))).toEqual([])
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      // A button without a name is a critical violation axe must report.
      await page.evaluate(`document.querySelector('main').append(document.createElement('button'))`)
      expect(severe(await axeViolations(page)).join('\n')).toMatch(/critical button-name/)
      // An inline script the page might add is blocked by the CSP, and the tests see it.
      await page.evaluate(
        `{ const script = document.createElement('script'); script.textContent = 'window.ran = 1'; document.body.append(script) }`,
      )
      await poll(() => problems.csp.length).toBeGreaterThan(0)
      expect(await page.evaluate('window.ran')).toBeUndefined()
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    'keeps /api/docs working: Swagger UI renders, with no console error or CSP violation',
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(`${suite.server.url}/api/docs`)
      await page.locator('.swagger-ui .info .title').waitFor()
      await page.locator('.opblock-summary-path').first().waitFor()
      expect(await page.getByText('/api/generate/stream').count()).toBeGreaterThan(0)
      await screenshot(page, 'api-docs-light-1440')
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    `loads / with at most ${FIRST_LOAD_JS_BUDGET / 1024} KB of compressed JavaScript`,
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      const scripts: Response[] = []
      page.on('response', (response) => {
        const type = response.headers()['content-type'] ?? ''
        if (response.request().resourceType() === 'script' || /javascript/.test(type)) {
          scripts.push(response)
        }
      })
      await page.goto(suite.server.url, { waitUntil: 'networkidle' })
      await page.getByRole('button', { name: 'Generate' }).waitFor()
      await page.waitForLoadState('networkidle')

      let total = 0
      const lines: string[] = []
      for (const response of scripts) {
        await response.finished()
        // In Chromium, responseBodySize is the body as it came over the wire: compressed.
        const { responseBodySize } = await response.request().sizes()
        const headers = response.headers()
        const decoded = (await response.body()).length
        const length = headers['content-length']
        if (length !== undefined) expect(Number(length), response.url()).toBe(responseBodySize)
        if (decoded >= SMALLEST_COMPRESSED) {
          expect(headers['content-encoding'], response.url()).toBe('br')
          expect(responseBodySize, response.url()).toBeLessThan(decoded)
        }
        total += responseBodySize
        lines.push(
          `  ${new URL(response.url()).pathname}: ${responseBodySize} B (${decoded} B decoded, ${headers['content-encoding'] ?? 'identity'})`,
        )
      }
      console.log(
        `First load of /: ${scripts.length} JavaScript files, ${(total / 1024).toFixed(1)} KB compressed\n${lines.join('\n')}`,
      )
      expect(scripts.length).toBeGreaterThan(0)
      expect(total).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET)
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )
})
