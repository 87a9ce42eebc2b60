import type { Locator, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  axeViolations,
  chromiumAvailable,
  logIn,
  newContext,
  problemCount,
  screenshot,
  scrollWidth,
  severe,
  watchedPage,
  type Scheme,
} from './browser.js'
import {
  api,
  waitForJob,
  apiLogin,
  E2E_TIMEOUT,
  generateThroughApi,
  PROMPT,
  useE2e,
} from './suite.js'

const available = chromiumAvailable()

interface PageCase {
  name: string
  path: string
  /** What shows once the page has loaded its data. */
  ready: (page: Page) => Locator
}

/**
 * Every page, as an administrator under AUTH=on (so that Admin is one of them), each checked in
 * light and dark at 1440 px and at 375 px: axe-core finds no serious or critical violation, the
 * console has no error, the CSP is not violated, the document does not scroll sideways at 375.
 * Every finding of a pass is collected, so one run shows all of them.
 */
describe.skipIf(!available)('every page, light and dark, 1440 and 375 px', () => {
  const suite = useE2e({ auth: true })
  let cases: PageCase[] = []

  beforeAll(async () => {
    const { admin } = suite.server
    if (!admin) throw new Error('no admin')
    const token = await apiLogin(suite.server, admin)
    const generation = await generateThroughApi(
      suite.server,
      `${PROMPT}, for the page checks`,
      token,
    )
    const job = await api<{ job_id: string }>(suite.server, '/jobs', {
      method: 'POST',
      token,
      body: {
        prompt: `${PROMPT}, a job for the page checks`,
        programming_language: 'python',
        options: { verify: false },
      },
    })
    await waitForJob(suite.server, job.job_id, 'completed', token)
    cases = [
      {
        name: 'generate',
        path: '/',
        ready: (page) => page.getByRole('button', { name: 'Generate' }),
      },
      {
        name: 'analyse',
        path: '/analyse',
        ready: (page) => page.locator('.cm-content[aria-label="Code"]'),
      },
      { name: 'history', path: '/history', ready: (page) => page.getByText(/for the page checks/) },
      {
        name: 'generation',
        path: `/history/${generation.id}`,
        ready: (page) => page.getByText('def parse_duration'),
      },
      { name: 'jobs', path: '/jobs', ready: (page) => page.getByText(/a job for the page checks/) },
      {
        name: 'job',
        path: `/jobs/${job.job_id}`,
        ready: (page) => page.getByText(/a job for the page checks/),
      },
      {
        name: 'admin',
        path: '/admin',
        ready: (page) => page.getByRole('row').filter({ hasText: 'alice' }),
      },
    ]
  }, 60_000)

  const pass = (scheme: Scheme, width: number) => async () => {
    const { admin } = suite.server
    if (!admin) throw new Error('no admin')
    const findings: string[] = []
    const context = await newContext(suite.browser, { scheme, width })
    const { page, problems } = await watchedPage(context)
    const label = (name: string) => `${name}-${scheme}-${width}`

    const check = async (name: string) => {
      await page.waitForLoadState('networkidle')
      if (width === 375) {
        const wide = await scrollWidth(page)
        if (wide > 375) findings.push(`${label(name)}: the document is ${wide} px wide`)
      }
      for (const line of severe(await axeViolations(page)))
        findings.push(`${label(name)}: axe ${line}`)
      if (problemCount(problems) > 0) {
        findings.push(`${label(name)}: problems ${JSON.stringify(problems)}`)
      }
      problems.console.length = 0
      problems.exceptions.length = 0
      problems.csp.length = 0
      await screenshot(page, label(name))
    }

    await page.goto(`${suite.server.url}/login`)
    await page.getByRole('button', { name: 'Log in' }).waitFor()
    await check('login')
    await logIn(page, admin.name, admin.password)
    problems.console.length = 0
    for (const entry of cases) {
      // A full load of each page (the session lives in this tab's sessionStorage).
      await page.goto(`${suite.server.url}${entry.path}`)
      try {
        await entry.ready(page).first().waitFor({ timeout: 15_000 })
      } catch {
        findings.push(`${label(entry.name)}: never showed what it loads`)
      }
      await check(entry.name)
    }
    await context.close()
    expect(findings).toEqual([])
  }

  it('light at 1440 px', pass('light', 1440), E2E_TIMEOUT * 2)
  it('dark at 1440 px', pass('dark', 1440), E2E_TIMEOUT * 2)
  it('light at 375 px', pass('light', 375), E2E_TIMEOUT * 2)
  it('dark at 375 px', pass('dark', 375), E2E_TIMEOUT * 2)
})
