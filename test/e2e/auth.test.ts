import { describe, expect, it } from 'vitest'
import { chromiumAvailable, logIn, newContext, screenshot, watchedPage } from './browser.js'
import { poll, api, apiLogin, E2E_TIMEOUT, generateThroughApi, PROMPT, useE2e } from './suite.js'

const available = chromiumAvailable()

describe.skipIf(!available)('with AUTH=on', () => {
  const suite = useE2e({ auth: true })
  const users = () => {
    const { admin, alice } = suite.server
    if (!admin || !alice) throw new Error('the demo server made no users')
    return { admin, alice }
  }

  it(
    'a visitor is sent to the login page, logs in and lands on the page asked for',
    async () => {
      const context = await newContext(suite.browser)
      const { page } = await watchedPage(context)
      await page.goto(`${suite.server.url}/analyse`)
      await page.waitForURL('**/login?next=%2Fanalyse')
      // A wrong password is refused in plain words, and the form stays.
      await page.getByLabel('Name').fill('alice')
      await page.getByLabel('Password').fill('not the password at all')
      await page.getByRole('button', { name: 'Log in' }).click()
      await page.getByRole('alert').or(page.locator('.error-notice')).first().waitFor()
      const { alice } = users()
      await logIn(page, alice.name, alice.password)
      await page.waitForURL('**/analyse')
      await page.getByRole('button', { name: 'Analyse' }).waitFor()
      // alice is no administrator: no Admin link.
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Admin' }).count()).toBe(
        0,
      )
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    'alice sees only her own history',
    async () => {
      const { admin, alice } = users()
      const [adminToken, aliceToken] = await Promise.all([
        apiLogin(suite.server, admin),
        apiLogin(suite.server, alice),
      ])
      await generateThroughApi(suite.server, `${PROMPT}, asked by admin`, adminToken)
      await generateThroughApi(suite.server, `${PROMPT}, asked by alice`, aliceToken)
      // The admin's list has both (an administrator sees everyone's): the data is really there.
      const all = await api<{ items: { prompt: string }[] }>(suite.server, '/generations', {
        token: adminToken,
      })
      expect(all.items.some((item) => item.prompt.endsWith('asked by admin'))).toBe(true)

      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(`${suite.server.url}/login`)
      await logIn(page, alice.name, alice.password)
      // The login page's problems are the quality checks' business; from here on, none.
      problems.console.length = 0
      await page.getByRole('navigation').getByRole('link', { name: 'History' }).click()
      await page.waitForURL('**/history')
      await page
        .getByText(/asked by alice/)
        .first()
        .waitFor()
      expect(await page.getByText(/asked by admin/).count()).toBe(0)
      await screenshot(page, 'history-alice-light-1440')
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )

  it(
    'as admin, changes a user budget and a runtime setting, which the API then answers',
    async () => {
      const { admin, alice } = users()
      const context = await newContext(suite.browser)
      const { page, problems } = await watchedPage(context)
      await page.goto(`${suite.server.url}/login`)
      await logIn(page, admin.name, admin.password)
      problems.console.length = 0
      await page.getByRole('navigation').getByRole('link', { name: 'Admin' }).click()
      await page.waitForURL('**/admin')

      // alice's tokens per day: her row in the users table, then its budget form.
      const row = page.getByRole('row').filter({ hasText: 'alice' })
      await row.first().waitFor()
      await row
        .first()
        .getByRole('button', { name: /budget|edit/i })
        .first()
        .click()
      const tokens = page.getByLabel(/tokens per day/i).first()
      await tokens.fill('123456')
      await page.getByRole('button', { name: /save/i }).first().click()
      const token = await apiLogin(suite.server, admin)
      await poll(
        async () =>
          (
            await api<{ limits: Record<string, number> }>(
              suite.server,
              `/admin/users/${alice.id}`,
              { token },
            )
          ).limits.tokens_per_day,
      ).toBe(123456)

      // A runtime setting: the prompt length limit.
      await page
        .getByRole('tab', { name: /settings/i })
        .or(page.getByRole('link', { name: /settings/i }))
        .first()
        .click()
      const limit = page.getByLabel(/prompt length/i).first()
      await limit.fill('4321')
      await page.getByRole('button', { name: /save/i }).last().click()
      await poll(
        async () =>
          (
            await api<{ settings: { max_prompt_length: number }; overridden: string[] }>(
              suite.server,
              '/admin/settings',
              { token },
            )
          ).settings.max_prompt_length,
      ).toBe(4321)
      const stored = await api<{ overridden: string[] }>(suite.server, '/admin/settings', { token })
      expect(stored.overridden).toContain('max_prompt_length')
      await screenshot(page, 'admin-settings-light-1440')
      expect(problems).toEqual({ console: [], exceptions: [], csp: [] })
      await context.close()
    },
    E2E_TIMEOUT,
  )
})
