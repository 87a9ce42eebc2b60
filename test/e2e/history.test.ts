import { describe, expect, it } from 'vitest'
import { chromiumAvailable, newContext, screenshot, watchedPage } from './browser.js'
import {
  poll,
  api,
  E2E_TIMEOUT,
  generateThroughApi,
  LAST_CODE_LINE,
  PROMPT,
  useE2e,
} from './suite.js'

const available = chromiumAvailable()

describe.skipIf(!available)('History and Jobs', () => {
  const suite = useE2e()

  it(
    'opens a past generation from the list and shows its code',
    async () => {
      const older = await generateThroughApi(suite.server, `${PROMPT}, the older one`)
      const past = await generateThroughApi(suite.server, `${PROMPT}, from the history`)
      expect(past.id).not.toBe(older.id)
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(`${suite.server.url}/history`)
      const entry = page.getByRole('link', { name: /from the history/ })
      await entry.first().waitFor()
      // Both generations are listed.
      await page
        .getByText(/the older one/)
        .first()
        .waitFor()
      await entry.first().click()
      await page.waitForURL(`**/history/${past.id}`)
      await page.getByText('def parse_duration').first().waitFor()
      await page.getByText(LAST_CODE_LINE).first().waitFor()
      // The generation as on the Generate page: its tabs.
      for (const name of ['Code', 'Tests', 'Docs']) {
        expect(await page.getByRole('tab', { name }).count(), `tab ${name}`).toBe(1)
      }
      await screenshot(page, 'generation-light-1440')
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    'searches the prompts on the server, beyond the page shown',
    async () => {
      const wanted = await generateThroughApi(suite.server, `${PROMPT}, zebra edition`)
      // Newer entries than a page holds, so the one wanted is not on the first page.
      for (let index = 0; index < 21; index++) {
        await generateThroughApi(suite.server, `${PROMPT}, filler ${index}`)
      }
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(`${suite.server.url}/history`)
      await page.getByRole('link', { name: /filler 20/ }).waitFor()
      expect(await page.getByRole('link', { name: /zebra/ }).count()).toBe(0)
      const searched = page.waitForRequest((request) =>
        /\/api\/generations\?.*q=ZEBRA/.test(request.url()),
      )
      await page.getByRole('searchbox', { name: 'Search' }).fill('ZEBRA')
      await searched
      await page.getByRole('link', { name: /zebra edition/ }).waitFor()
      await poll(() => page.getByRole('link', { name: /filler/ }).count()).toBe(0)
      expect(page.url()).toContain('q=ZEBRA')
      await page.getByRole('link', { name: /zebra edition/ }).click()
      await page.waitForURL(`**/history/${wanted.id}`)
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    'lists a job and opens it',
    async () => {
      const job = await api<{ job_id: string }>(suite.server, '/jobs', {
        method: 'POST',
        body: {
          prompt: `${PROMPT}, as a job`,
          programming_language: 'python',
          options: { verify: false },
        },
      })
      await poll(
        async () => (await api<{ status: string }>(suite.server, `/jobs/${job.job_id}`)).status,
        {
          timeout: 30_000,
        },
      ).toBe('completed')
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(`${suite.server.url}/jobs`)
      const entry = page.getByRole('link', { name: /as a job/ })
      await entry.first().waitFor()
      await entry.first().click()
      await page.waitForURL(`**/jobs/${job.job_id}`)
      await page
        .getByText(/completed/i)
        .first()
        .waitFor()
      await screenshot(page, 'job-light-1440')
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )
})
