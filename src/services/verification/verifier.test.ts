import { beforeAll, describe, expect, it } from 'vitest'
import { loadLanguageRegistry } from '../../analysis/language-registry.js'
import { BwrapSandbox } from '../../adapters/sandbox/bwrap.js'
import { OffSandbox } from '../../adapters/sandbox/off.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import { sandboxOrSkip, withLoopWatch } from '../../../test/sandbox/helpers.js'
import { Verifier, type VerifierSettings } from './verifier.js'

const registry = loadLanguageRegistry()
const python = registry.resolve('python')
const kotlin = registry.resolve('kotlin')
const SETTINGS: VerifierSettings = {
  enabled: true,
  limits: { timeoutMs: 20_000, memoryMb: 512, outputBytes: 65_536 },
  concurrency: 1,
}
const PASSING = {
  code: 'def add(a, b):\n    return a + b\n',
  tests: 'from solution import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n',
}
const SLOW = {
  code: 'import time\n\n\ndef add(a, b):\n    time.sleep(1)\n    return a + b\n',
  tests: PASSING.tests,
}

/** A MetricsRecorder that keeps the verification runs it is told about. */
function recordingMetrics(): MetricsRecorder & { runs: [string, string, number][] } {
  const runs: [string, string, number][] = []
  const ignore = () => {}
  return {
    runs,
    cacheLookup: ignore,
    llmCall: ignore,
    llmTokens: ignore,
    generationFinished: ignore,
    generationParsed: ignore,
    fixRound: ignore,
    quotaExceeded: ignore,
    weakTests: ignore,
    jobStarted: ignore,
    jobEnded: ignore,
    jobsWaiting: ignore,
    jobsStalled: ignore,
    verifyRun: (language, outcome, seconds) => runs.push([language, outcome, seconds]),
  }
}

describe('Verifier with SANDBOX=off', () => {
  const metrics = recordingMetrics()
  const verifier = new Verifier(
    new OffSandbox(),
    registry,
    { ...SETTINGS, enabled: false },
    metrics,
  )

  it('is not configured, runs nothing and says why', async () => {
    await verifier.start()
    expect(verifier.health()).toMatchObject({
      status: 'not_configured',
      backend: 'off',
      languages_available: [],
      detail: 'verification is off (SANDBOX=off)',
    })
    expect(verifier.language(python)).toEqual({
      available: false,
      runner: 'pytest',
      version: null,
      reason: 'verification is off (SANDBOX=off)',
    })
    const run = await verifier.run(python, PASSING)
    expect(run).toMatchObject({ status: 'skipped', reason: 'verification is off (SANDBOX=off)' })
    expect(await verifier.checkSyntax(python, 'code', PASSING)).toBeNull()
    expect(metrics.runs).toEqual([['python', 'skipped', 0]])
  })

  it('names a language without a runner in this version', () => {
    expect(verifier.language(kotlin)).toEqual({
      available: false,
      runner: null,
      version: null,
      reason: 'no test runner for Kotlin in this version',
    })
  })
})

describe('Verifier whose sandbox cannot start', () => {
  const verifier = new Verifier(
    new BwrapSandbox({ bwrap: '/nonexistent/bwrap' }),
    registry,
    SETTINGS,
  )

  it('starts without throwing, says degraded with the reason, and skips runs', async () => {
    await expect(verifier.start()).resolves.toBeUndefined()
    const health = verifier.health()
    expect(health).toMatchObject({ status: 'degraded', backend: 'bwrap', languages_available: [] })
    expect(health.detail).toMatch(/^sandbox unavailable: .+/)
    const run = await verifier.run(python, PASSING)
    expect(run.status).toBe('skipped')
    expect(run.reason).toBe(health.detail)
    expect(verifier.language(python)).toMatchObject({ available: false, reason: health.detail })
    expect(await verifier.checkSyntax(python, 'code', PASSING)).toBeNull()
  })
})

describe('Verifier on the real sandbox', () => {
  const metrics = recordingMetrics()
  let verifier: Verifier

  beforeAll(async () => {
    const sandbox = await sandboxOrSkip()
    if (!sandbox) return
    verifier = new Verifier(sandbox, registry, SETTINGS, metrics)
    const { maxGapMs } = await withLoopWatch(() => verifier.start())
    // Discovery starts a sandbox per language (several seconds in all); the loop stays free.
    expect(maxGapMs).toBeLessThan(500)
  }, 120_000)

  it('finds the runners installed here, with their versions', (context) => {
    if (!verifier) return context.skip()
    const health = verifier.health()
    expect(health).toMatchObject({ status: 'ok', backend: 'bwrap' })
    expect(health.languages_available).toContain('python')
    expect(health.languages_available).not.toContain('kotlin')
    const pytest = verifier.language(python)
    expect(pytest).toMatchObject({ available: true, runner: 'pytest', reason: null })
    expect(pytest.version).toMatch(/^\d+\.\d+/)
  })

  it('runs passing and failing tests, recording each run', async (context) => {
    if (!verifier) return context.skip()
    const passed = await verifier.run(python, PASSING)
    expect(passed).toMatchObject({ status: 'passed', tests: { total: 1, passed: 1 } })
    expect(passed.runner).toBe(`pytest ${verifier.language(python).version}`)
    const failed = await verifier.run(python, {
      ...PASSING,
      code: 'def add(a, b):\n    return a\n',
    })
    expect(failed).toMatchObject({ status: 'failed', tests: { total: 1, failed: 1 } })
    expect(metrics.runs.slice(-2).map(([language, outcome]) => [language, outcome])).toEqual([
      ['python', 'passed'],
      ['python', 'failed'],
    ])
    expect(metrics.runs.at(-1)![2]).toBeGreaterThan(0)
  }, 60_000)

  it('skips a language without a runner, saying so', async (context) => {
    if (!verifier) return context.skip()
    const run = await verifier.run(kotlin, { code: 'fun f() = 1\n', tests: '' })
    expect(run).toMatchObject({
      status: 'skipped',
      reason: 'no test runner for Kotlin in this version',
    })
  })

  it("gives the compiler's verdict on each file", async (context) => {
    if (!verifier) return context.skip()
    expect(await verifier.checkSyntax(python, 'code', PASSING)).toBe(true)
    expect(await verifier.checkSyntax(python, 'tests', { ...PASSING, tests: 'def f(:\n' })).toBe(
      false,
    )
    expect(await verifier.checkSyntax(kotlin, 'code', PASSING)).toBeNull()
  }, 60_000)

  it('runs at most VERIFY_CONCURRENCY at once; the others wait their turn', async (context) => {
    if (!verifier) return context.skip()
    const runs = [verifier.run(python, SLOW), verifier.run(python, SLOW)]
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(verifier.health()).toMatchObject({ running: 1, queued: 1 })
    const [first, second] = await Promise.all(runs)
    expect([first!.status, second!.status]).toEqual(['passed', 'passed'])
    expect(verifier.health()).toMatchObject({ running: 0, queued: 0 })
  }, 60_000)

  it('turns runs away with 503 once 16 times VERIFY_CONCURRENCY are waiting', async (context) => {
    if (!verifier) return context.skip()
    const busy = verifier.run(python, SLOW)
    const controller = new AbortController()
    const waiting = Array.from({ length: 16 }, () =>
      verifier.run(python, SLOW, controller.signal).catch((error: unknown) => error),
    )
    await expect(verifier.run(python, PASSING)).rejects.toMatchObject({
      code: 'APP_ERR_OVERLOADED',
      message: expect.stringContaining(
        'test runs are already waiting for one of 1 slots (VERIFY_CONCURRENCY)',
      ),
    })
    controller.abort(new Error('enough'))
    await Promise.all(waiting)
    expect((await busy).status).toBe('passed')
  }, 60_000)

  it('lets a waiting run go when its signal aborts', async (context) => {
    if (!verifier) return context.skip()
    const busy = verifier.run(python, SLOW)
    const controller = new AbortController()
    const waiting = verifier.run(python, SLOW, controller.signal)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(verifier.health()).toMatchObject({ running: 1, queued: 1 })
    controller.abort(new Error('client gone'))
    await expect(waiting).rejects.toThrow('client gone')
    expect(verifier.health()).toMatchObject({ running: 1, queued: 0 })
    expect((await busy).status).toBe('passed')
  }, 60_000)
})
