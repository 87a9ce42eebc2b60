import { describe, expect, it } from 'vitest'
import { chromiumAvailable, newContext, watchedPage } from './browser.js'
import { E2E_TIMEOUT, PROMPT, useE2e } from './suite.js'

const available = chromiumAvailable()

describe.skipIf(!available)('errors in plain words', () => {
  // A fresh install: no model provider configured.
  const suite = useE2e({ model: false })

  it(
    'says that no model provider is configured, and which variables to set',
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(suite.server.url)
      await page.getByLabel('Prompt').fill(PROMPT)
      await page.getByRole('combobox', { name: 'Language' }).selectOption('python')
      await page.getByRole('button', { name: 'Generate', exact: true }).click()
      const alert = page.getByRole('alert')
      await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toMatch(/not configured/i)
      const text = (await alert.textContent()) ?? ''
      expect(text).toMatch(/OPENAI_API_KEY/)
      expect(text).toMatch(/LLM_BASE_URL/)
      // The refusal itself is the only thing the browser may report (a 503 for the request).
      expect(problems.exceptions).toEqual([])
      expect(problems.csp).toEqual([])
      expect(problems.console.every((line) => /status of 503/.test(line))).toBe(true)
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    'analyses code all the same: analysis needs no model',
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(`${suite.server.url}/analyse`)
      await page.getByRole('button', { name: 'Try an example' }).first().click()
      await expect
        .poll(() => page.getByRole('table').first().isVisible(), { timeout: 15_000 })
        .toBe(true)
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )
})
