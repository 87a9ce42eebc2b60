import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import { RuntimeSettings, type LiveSettings } from './runtime-settings.js'

const defaults: LiveSettings = {
  default_model: null,
  allowed_models: [],
  max_prompt_length: 2000,
  verify_default: true,
  budgets: {
    requests_per_minute: 0,
    concurrent_generations: 0,
    tokens_per_day: 0,
    verify_runs_per_day: 0,
  },
  rate_limit: { requests: 100, window_ms: 60_000 },
  prices: {},
}
const admin = { id: 'user-admin', name: 'admin', ip: null }
const silent = { debug() {}, info() {}, warn() {}, error() {} }

/** Two API or worker processes: two connections to one database file. */
describe('RuntimeSettings on two connections to one SQLite file', () => {
  let directory: string
  const closing: (() => Promise<void>)[] = []

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'verigen-settings-'))
  })
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close()
    await rm(directory, { recursive: true, force: true })
  })

  it('applies a change made by one process in the other within refreshMs', async () => {
    const path = join(directory, 'verigen.db')
    const refreshMs = 100
    const processes = await Promise.all(
      [0, 1].map(async () => {
        const store = await SqliteGenerationStore.open(`sqlite://${path}`)
        const settings = new RuntimeSettings({
          store: store.access,
          defaults,
          clock: { now: () => Date.now() },
          logger: silent,
          refreshMs,
        })
        closing.push(() => store.close())
        closing.push(() => settings.stop())
        await settings.start()
        return settings
      }),
    )
    const [first, second] = processes as [RuntimeSettings, RuntimeSettings]
    const changes: LiveSettings[] = []
    second.onChange((values) => changes.push(values))

    const changedAt = Date.now()
    await first.update({ verify_default: false, rate_limit: { requests: 7 } }, admin)
    await vi.waitFor(() => expect(second.current().verify_default).toBe(false), {
      timeout: refreshMs * 10,
      interval: 10,
    })
    expect(Date.now() - changedAt).toBeLessThan(refreshMs * 3)
    expect(second.current()).toEqual(first.current())
    expect(changes).toEqual([first.current()])
    expect(second.describe().overridden).toEqual(['verify_default', 'rate_limit'])
  })
})
