import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { chromiumAvailable, newContext, screenshot, watchedPage } from './browser.js'
import { E2E_TIMEOUT, useE2e } from './suite.js'

const available = chromiumAvailable()

/** Python with a syntax error on line 5 (the API reports line 5, column 12: "missing ')'"). */
const BROKEN = ['def ok(x):', '    return x + 1', '', '', 'def broken(:', '    return 2', ''].join(
  '\n',
)
const BROKEN_LINE = 5

const GOOD = [
  'def grade(score):',
  '    if score > 90:',
  '        return "A"',
  '    elif score > 80:',
  '        return "B"',
  '    return "C"',
  '',
  '',
  'def total(values):',
  '    return sum(values)',
  '',
].join('\n')

/** Types `code` into the Code editor as Python, presses Analyse; answers the API's status. */
async function analyse(page: Page, code: string): Promise<number> {
  // CodeMirror, not the plain box shown while it loads.
  const editor = page
    .getByRole('textbox', { name: 'Code', exact: true })
    .and(page.locator('.cm-content'))
  await editor.click()
  await page.keyboard.press('ControlOrMeta+A')
  await page.keyboard.press('Delete')
  // insertText: no auto-indent or bracket closing, the text goes in as it is.
  await page.keyboard.insertText(code)
  await page.getByRole('combobox', { name: 'Language' }).selectOption('python')
  const analysed = page.waitForResponse((response) => response.url().endsWith('/api/analyze'))
  await page.getByRole('button', { name: 'Analyse' }).click()
  return (await analysed).status()
}

describe.skipIf(!available)('the Analyse page', () => {
  const suite = useE2e()

  it(
    'marks a syntax error at its line, in the text and in the gutter',
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(`${suite.server.url}/analyse`)
      expect(await analyse(page, BROKEN)).toBe(200)

      // The underline (a range, or a point for an empty range) sits on line 5 of the editor.
      const mark = page.locator('.cm-lintRange-error, .cm-lintPoint-error').first()
      await mark.waitFor()
      const markedLine = await mark.evaluate((element) => {
        const line = element.closest('.cm-line')
        return line
          ? [...line.parentElement!.children]
              .filter((child) => child.classList.contains('cm-line'))
              .indexOf(line) + 1
          : -1
      })
      expect(markedLine).toBe(BROKEN_LINE)
      expect(
        await page.locator('.cm-lintRange-error, .cm-lintPoint-error').count(),
      ).toBeGreaterThan(0)

      // The gutter's marker is level with that line.
      const marker = page.locator('.cm-lint-marker-error').first()
      await marker.waitFor()
      const markerBox = await marker.boundingBox()
      const lineBox = await page
        .locator('.cm-content .cm-line')
        .nth(BROKEN_LINE - 1)
        .boundingBox()
      expect(markerBox && lineBox).toBeTruthy()
      const middle = markerBox!.y + markerBox!.height / 2
      expect(middle).toBeGreaterThanOrEqual(lineBox!.y)
      expect(middle).toBeLessThanOrEqual(lineBox!.y + lineBox!.height)
      await screenshot(page, 'analyse-syntax-error-light-1440')
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    'analyses good code into a per-function table',
    async () => {
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(`${suite.server.url}/analyse`)
      expect(await analyse(page, GOOD)).toBe(200)
      const table = page.getByRole('table').filter({ hasText: 'grade' })
      await table.waitFor()
      expect(await table.getByRole('row').filter({ hasText: 'total' }).count()).toBe(1)
      // No error underline on good code.
      expect(await page.locator('.cm-lintRange-error, .cm-lint-marker-error').count()).toBe(0)
      await screenshot(page, 'analyse-report-light-1440')
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )
})
