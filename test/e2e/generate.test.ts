import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import {
  axeViolations,
  chromiumAvailable,
  launchBrowser,
  newContext,
  problemCount,
  screenshot,
  scrollWidth,
  severe,
  watchedPage,
  type PageProblems,
} from './browser.js'
import { startDemoServer } from './demo-server.js'
import { poll, api, E2E_TIMEOUT, LAST_CODE_LINE, PROMPT, useE2e } from './suite.js'
import { builtWebRoot } from './web-build.js'

const available = chromiumAvailable()

/** Fills the form for the scripted model's Python answer. */
async function fillForm(page: Page, prompt = PROMPT): Promise<void> {
  await page.getByLabel('Prompt').fill(prompt)
  await page.getByRole('combobox', { name: 'Language' }).selectOption('python')
}

/** The answer of the generation stream the page starts next. */
function nextStream(page: Page) {
  return page.waitForResponse(
    (response) =>
      response.url().endsWith('/api/generate/stream') && response.request().method() === 'POST',
  )
}

/** The text of the Code tab's panel, or '' while there is none. */
async function codeText(page: Page): Promise<string> {
  const panel = page.getByRole('tabpanel', { name: 'Code' })
  if ((await panel.count()) === 0) return ''
  return (await panel.textContent({ timeout: 1000 })) ?? ''
}

const noProblems = (problems: PageProblems) =>
  expect(problems).toEqual({ console: [], exceptions: [], csp: [] })

describe.skipIf(!available)('the Generate page', () => {
  // The code streams in 12-character pieces 100 ms apart: a few seconds to watch it grow.
  const suite = useE2e({ delayMs: 100 })

  it(
    'shows the form: a prompt with its counter, the language, the three toggles, Generate',
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(suite.server.url)
      const prompt = page.getByLabel('Prompt')
      await poll(() => prompt.evaluate((element) => element.tagName)).toBe('TEXTAREA')
      const language = page.getByRole('combobox', { name: 'Language' })
      // The languages come from /api/languages: Python is one of them, and can be verified.
      await poll(() => language.locator('option').allTextContents()).toContainEqual(
        expect.stringMatching(/Python/),
      )
      for (const name of [/tests/i, /doc/i, /verif/i]) {
        expect(await page.getByRole('checkbox', { name }).count()).toBeGreaterThan(0)
      }
      await poll(() => page.getByRole('button', { name: 'Generate' }).count()).toBe(1)

      // The counter follows what is typed, and shows the server's limit.
      const me = await api<{ settings: { max_prompt_length: number } }>(suite.server, '/auth/me')
      const limit = me.settings.max_prompt_length.toLocaleString('en')
      await prompt.fill('Twelve chars')
      await poll(async () => (await page.locator('main').textContent()) ?? '').toContain(
        `12 / ${limit}`,
      )
      await prompt.fill('Exactly twenty chars')
      await poll(async () => (await page.locator('main').textContent()) ?? '').toContain(
        `20 / ${limit}`,
      )
      noProblems(problems)
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    'streams the code in as it is written, then shows the tabs and the passing verification',
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(suite.server.url)
      await fillForm(page)
      const stream = nextStream(page)
      await page.getByRole('button', { name: 'Generate' }).click()
      const response = await stream
      expect(response.status()).toBe(200)

      // Sample the code view until the stream has ended (its `completed` event is its last).
      let ended = false
      void response.finished().then(() => (ended = true))
      const samples: string[] = []
      while (!ended) samples.push(await codeText(page))
      const partial = samples.filter(
        (text) => text.includes('def') && !text.includes(LAST_CODE_LINE),
      )
      const lengths = new Set(partial.map((text) => text.length))
      // Code was on screen before the model had finished writing it, in several growing steps.
      expect(
        lengths.size,
        `code view samples: ${JSON.stringify(samples.slice(0, 5))}`,
      ).toBeGreaterThanOrEqual(3)

      await poll(() => codeText(page)).toContain(LAST_CODE_LINE)
      for (const name of ['Code', 'Tests', 'Docs', 'Metrics', 'Verification']) {
        expect(await page.getByRole('tab', { name }).count(), `tab ${name}`).toBe(1)
      }
      await page.getByRole('tab', { name: 'Verification' }).click()
      const verification = page.getByRole('tabpanel', { name: 'Verification' })
      // Each of the scripted tests is listed with its outcome: passed.
      for (const name of ['test_hour', 'test_rejects_garbage']) {
        const row = verification.getByRole('row').filter({ hasText: name })
        await row.first().waitFor()
        expect(await row.count(), name).toBe(1)
        expect(await row.getByRole('cell', { name: 'passed', exact: true }).count(), name).toBe(1)
      }
      expect(await verification.textContent()).toMatch(/2 of 2 tests passed/)

      // The stage bar: every stage done (repairs were not needed), each with its time.
      const stages = page.getByRole('list', { name: 'Stages' })
      for (const stage of ['code', 'tests', 'docs', 'verification', 'metrics']) {
        const item = stages.getByRole('listitem').filter({ hasText: new RegExp(`^\\W*${stage}`) })
        expect(await item.last().textContent(), stage).toMatch(/done · \d/)
      }

      await page.getByRole('tab', { name: 'Tests' }).click()
      await page
        .getByRole('tabpanel', { name: 'Tests' })
        .getByText('def test_hour')
        .first()
        .waitFor()
      await page.getByRole('tab', { name: 'Docs' }).click()
      // Rendered Markdown: the heading is a heading, not "# parse_duration".
      await page
        .getByRole('tabpanel', { name: 'Docs' })
        .getByRole('heading', { name: 'parse_duration' })
        .waitFor()

      await page.getByRole('tab', { name: 'Code' }).click()
      await screenshot(page, 'generate-done-light-1440')
      expect(severe(await axeViolations(page))).toEqual([])
      noProblems(problems)
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    'a finished generation passes axe on every tab in dark and at 375 px, and fits 375 px',
    async () => {
      const findings: string[] = []
      for (const [scheme, width] of [
        ['dark', 1440],
        ['light', 375],
        ['dark', 375],
      ] as const) {
        const context = await newContext(suite.browser, { scheme, width })
        const { page, problems } = await watchedPage(context)
        await page.goto(suite.server.url)
        await fillForm(page, `${PROMPT}, in ${scheme} at ${width}`)
        const stream = nextStream(page)
        await page.getByRole('button', { name: 'Generate' }).click()
        await (await stream).finished()
        for (const tab of ['Code', 'Tests', 'Docs', 'Metrics', 'Verification']) {
          await page.getByRole('tab', { name: tab }).click()
          const panel = page.getByRole('tabpanel', { name: tab })
          await panel.waitFor()
          if (tab === 'Verification') await panel.getByText('test_hour').first().waitFor()
          await page.waitForLoadState('networkidle')
          for (const line of severe(await axeViolations(page))) {
            findings.push(`${scheme} ${width} ${tab}: ${line}`)
          }
          if (width === 375 && (await scrollWidth(page)) > 375) {
            findings.push(`${scheme} ${width} ${tab}: ${await scrollWidth(page)} px wide`)
          }
        }
        await screenshot(page, `generate-done-${scheme}-${width}`)
        if (problemCount(problems) > 0)
          findings.push(`${scheme} ${width}: ${JSON.stringify(problems)}`)
        await context.close()
      }
      expect(findings).toEqual([])
    },
    E2E_TIMEOUT * 2,
  )

  it(
    'can be reached and started with the keyboard alone, Prompt → Language → Generate',
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(suite.server.url)
      const prompt = page.getByLabel('Prompt')
      const language = page.getByRole('combobox', { name: 'Language' })
      const generate = page.getByRole('button', { name: 'Generate' })
      await generate.waitFor()
      await poll(() => language.locator('option').count()).toBeGreaterThan(1)

      const focused = (locator: typeof prompt) =>
        locator.evaluate((element) => element === element.ownerDocument.activeElement)
      const order: Record<string, number> = {}
      for (let press = 1; press <= 40 && order.generate === undefined; press++) {
        await page.keyboard.press('Tab')
        if (order.prompt === undefined && (await focused(prompt))) order.prompt = press
        if (order.language === undefined && (await focused(language))) order.language = press
        if (await focused(generate)) order.generate = press
      }
      expect(order.prompt, JSON.stringify(order)).toBeDefined()
      expect(order.language, JSON.stringify(order)).toBeGreaterThan(order.prompt ?? Infinity)
      expect(order.generate, JSON.stringify(order)).toBeGreaterThan(order.language ?? Infinity)

      // Now the same with keys only: type the prompt, pick Python, tab to Generate, press Enter.
      await prompt.focus()
      await page.keyboard.type(PROMPT + ' with the keyboard')
      await language.focus()
      for (let press = 0; press < 40 && (await language.inputValue()) !== 'python'; press++) {
        await page.keyboard.press('ArrowDown')
      }
      for (let press = 0; press < 40 && (await language.inputValue()) !== 'python'; press++) {
        await page.keyboard.press('ArrowUp')
      }
      expect(await language.inputValue()).toBe('python')
      for (let press = 0; press < 40 && !(await focused(generate)); press++) {
        await page.keyboard.press('Tab')
      }
      expect(await focused(generate)).toBe(true)
      const stream = nextStream(page)
      await page.keyboard.press('Enter')
      const response = await stream
      const sent = response.request().postDataJSON() as {
        prompt: string
        programming_language: string
      }
      expect(sent.prompt).toBe(PROMPT + ' with the keyboard')
      expect(sent.programming_language).toBe('python')
      await response.finished()
      await poll(() => codeText(page)).toContain(LAST_CODE_LINE)
      noProblems(problems)
      await context.close()
    },
    E2E_TIMEOUT,
  )
})

describe.skipIf(!available)('cancelling a generation', () => {
  it(
    'Cancel stops a running generation: the stream ends early and the history says cancelled',
    async () => {
      const [webRoot, suiteBrowser] = await Promise.all([builtWebRoot(), launchBrowser()])
      // 400 ms between pieces: the code takes ten seconds, time enough to cancel it.
      const server = await startDemoServer({ delayMs: 400, webRoot })
      try {
        const context = await newContext(suiteBrowser)
        const { page, problems } = await watchedPage(context)
        await page.goto(server.url)
        await fillForm(page, `${PROMPT}, to be cancelled`)
        const stream = nextStream(page)
        await page.getByRole('button', { name: 'Generate' }).click()
        // (An aborted stream's response never reports finishing: it is not awaited.)
        expect((await stream).status()).toBe(200)
        await poll(() => codeText(page), { timeout: 20_000 }).toContain('def')
        const started = Date.now()
        await page.getByRole('button', { name: 'Cancel' }).click()
        // The Cancel button goes and Generate can be pressed again.
        await page.getByRole('button', { name: 'Cancel' }).waitFor({ state: 'detached' })
        await poll(() => page.getByRole('button', { name: 'Generate' }).isEnabled()).toBe(true)
        expect(await codeText(page)).not.toContain(LAST_CODE_LINE)
        await poll(async () => (await page.locator('main').textContent()) ?? '').toMatch(/cancel/i)
        // The server stopped it: the stored generation is cancelled, well before the code's end.
        await poll(async () => {
          const list = await api<{ items: { prompt: string; status: string }[] }>(
            server,
            '/generations',
          )
          return list.items.find((item) => item.prompt.endsWith('to be cancelled'))?.status
        }).toBe('cancelled')
        expect(Date.now() - started).toBeLessThan(8_000)
        await screenshot(page, 'generate-cancelled-light-1440')
        noProblems(problems)
        await context.close()
      } finally {
        await suiteBrowser.close()
        await server.close()
      }
    },
    E2E_TIMEOUT,
  )
})
