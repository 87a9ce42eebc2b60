import { describe, expect, it } from 'vitest'
import { BwrapSandbox } from '../../src/adapters/sandbox/bwrap.js'
import { loadLanguageRegistry, type Language } from '../../src/analysis/language-registry.js'
import { Limiter } from '../../src/services/generation/limiter.js'
import { preparedCache } from '../../src/verification/cache.js'
import { checkSyntax } from '../../src/verification/syntax-check.js'
import { runTests, type RunLimits, type TestFiles } from '../../src/verification/test-run.js'
import { discoverToolchain } from '../../src/verification/toolchains.js'
import { sandboxOrSkip } from '../sandbox/helpers.js'
import { SAMPLES } from './samples.js'

// Every language's runner through the real sandbox and the Debian toolchains CI installs; a
// missing toolchain fails its tests (discovery says which packages to install).
const sandbox = await sandboxOrSkip()
const registry = loadLanguageRegistry()
// Roomier than VERIFY_TIMEOUT_MS's default: two compilers share a CI machine's two cores here.
const limits: RunLimits = { timeoutMs: 60_000, memoryMb: 512, outputBytes: 64 * 1024 }
// The compilers are CPU-bound: more than two at once only makes each slower.
const slots = new Limiter(2)
const TIMEOUT = 240_000

function language(id: string): Language {
  return registry.resolve(id)
}

function run(id: string, files: TestFiles, runLimits = limits) {
  return slots.run(() => runTests(sandbox!, language(id), files, runLimits, { runner: null }))
}

describe.runIf(sandbox)('test runners in the sandbox', () => {
  it('covers every language that has verification rules', () => {
    const runnable = registry.languages
      .filter((entry) => entry.verification)
      .map((entry) => entry.id)
    expect(runnable.sort()).toEqual(Object.keys(SAMPLES).sort())
  })

  describe.concurrent.each(Object.entries(SAMPLES))('%s', (id, sample) => {
    it('finds its runner and version', { timeout: TIMEOUT }, async () => {
      const toolchain = await slots.run(() => discoverToolchain(sandbox!, language(id), limits))
      expect(toolchain).toMatchObject({ available: true, reason: null })
      expect(toolchain.version).toMatch(/^\d+(\.\d+)+/)
    })

    it('passes hand-written passing tests', { timeout: TIMEOUT }, async () => {
      const result = await run(id, { code: sample.code, tests: sample.tests })
      expect(result, result.output).toMatchObject({
        status: 'passed',
        reason: null,
        tests: { total: 2, passed: 2, failed: 0, errors: 0, skipped: 0 },
      })
      expect(result.cases.map((testCase) => testCase.name)).toEqual(sample.cases)
      expect(result.cases.every((testCase) => testCase.outcome === 'passed')).toBe(true)
      console.log(`${id}: a passing run took ${result.duration_ms} ms in the sandbox`)
    })

    it('fails a wrong assertion, with its message', { timeout: TIMEOUT }, async () => {
      const result = await run(id, { code: sample.code, tests: sample.failingTests })
      expect(result, result.output).toMatchObject({
        status: 'failed',
        reason: '1 of 2 tests failed',
        tests: { total: 2, passed: 1, failed: 1, errors: 0, skipped: 0 },
      })
      const failing = result.cases.find((testCase) => testCase.outcome === 'failed')
      expect(failing?.name).toBe(sample.failingCase)
      expect(failing?.message).toContain(sample.failingMessage)
    })

    it(
      'fails code that does not compile, with the compiler output',
      { timeout: TIMEOUT },
      async () => {
        const result = await run(id, { code: sample.brokenCode, tests: sample.tests })
        expect(result, result.output).toMatchObject({
          status: 'failed',
          reason: 'compile error',
          tests: { total: 0 },
          cases: [],
        })
        expect(result.output).toContain(sample.compilerSays)
      },
    )

    it("has the compiler's verdict on each file", { timeout: TIMEOUT }, async () => {
      const check = (which: 'code' | 'tests', files: TestFiles) =>
        slots.run(() => checkSyntax(sandbox!, language(id), which, files, limits))
      const good = { code: sample.code, tests: sample.tests }
      expect(await check('code', good)).toBe(true)
      expect(await check('tests', good)).toBe(true)
      const broken = { ...good, code: sample.brokenCode }
      expect(await check('code', broken)).toBe(!sample.brokenSyntax)
    })
  })
})

describe.runIf(sandbox)('the runners accept what their languages allow', () => {
  it("type-checks TypeScript against Node's modules", { timeout: TIMEOUT }, async () => {
    const code = `import { createHash } from 'node:crypto';

export function sha256(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
}
`
    const tests = `import { describe, it, expect } from '@jest/globals';
import { sha256 } from './solution.js';

describe('sha256', () => {
  it('hashes the empty string', () => {
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
`
    const result = await run('typescript', { code, tests })
    expect(result, result.output).toMatchObject({ status: 'passed', tests: { passed: 1 } })
  })

  it(
    "builds Go's shared build cache once, from the scaffold alone",
    { timeout: TIMEOUT },
    async () => {
      const go = language('go')
      const cache = preparedCache(sandbox!, go, limits)
      expect(preparedCache(sandbox!, go, limits)).toBe(cache)
      // The standard library's vet facts, gzipped and in base64: small enough to copy into each run.
      expect(await cache).toMatch(/^[A-Za-z0-9+/]{1000,}={0,2}$/)
      expect((await cache)!.length).toBeLessThan(1024 * 1024)
      expect(await preparedCache(sandbox!, language('python'), limits)).toBeNull()
    },
  )

  it('runs Go tests after one whose code panics', { timeout: TIMEOUT }, async () => {
    const code = `package solution

func Add(a, b int) int { panic("not implemented") }
`
    const tests = `package solution

import "testing"

func TestAdd(t *testing.T) { Add(1, 2) }

func TestNothing(t *testing.T) {}
`
    const result = await run('go', { code, tests })
    expect(result.cases.map((testCase) => [testCase.name, testCase.outcome])).toEqual([
      ['TestAdd', 'failed'],
      ['TestNothing', 'passed'],
    ])
    expect(result.cases[0]?.message).toContain('panic: not implemented')
  })

  it("reads Rust's #[should_panic] tests", { timeout: TIMEOUT }, async () => {
    const code = `pub fn div(a: i32, b: i32) -> i32 {
    if b == 0 {
        panic!("division by zero")
    }
    a / b
}
`
    const tests = `use solution::*;

#[test]
#[should_panic(expected = "division by zero")]
fn rejects_zero() {
    div(1, 0);
}
`
    const result = await run('rust', { code, tests })
    expect(result).toMatchObject({ status: 'passed', tests: { total: 1, passed: 1 } })
  })
})

describe.runIf(sandbox)('a run that breaks', () => {
  const python = SAMPLES.python!

  it('is an error when it reaches the time limit', { timeout: TIMEOUT }, async () => {
    const tests = `${python.tests}\n\ndef test_forever():\n    while True:\n        pass\n`
    const result = await run('python', { code: python.code, tests }, { ...limits, timeoutMs: 4000 })
    expect(result).toMatchObject({ status: 'error', reason: 'time limit (VERIFY_TIMEOUT_MS=4000)' })
  })

  it('is an error when it prints past the output limit', { timeout: TIMEOUT }, async () => {
    const tests = `${python.tests}\n\ndef test_loud():\n    print("x" * 50_000_000)\n    assert False\n`
    const result = await run(
      'python',
      { code: python.code, tests },
      { ...limits, outputBytes: 4096 },
    )
    // pytest captures the print and shows it for the failing test, past the limit.
    expect(result.status).toBe('error')
    expect(result.reason).toBe('output limit (VERIFY_OUTPUT_BYTES=4096)')
    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(4096)
  })

  it(
    'is an error when the runner dies before writing its report',
    { timeout: TIMEOUT },
    async () => {
      const tests = `import os, signal\n\n\ndef test_dies():\n    os.kill(os.getpid(), signal.SIGKILL)\n`
      const result = await run('python', { code: python.code, tests })
      expect(result).toMatchObject({
        status: 'error',
        reason: 'no test report (the test runner was killed by SIGKILL)',
      })
    },
  )

  it('fails tests that load but define no test', { timeout: TIMEOUT }, async () => {
    const result = await run('python', { code: python.code, tests: 'from solution import add\n' })
    expect(result).toMatchObject({ status: 'failed', reason: 'no test ran', tests: { total: 0 } })
  })

  it('fails tests whose import fails, as an error case', { timeout: TIMEOUT }, async () => {
    const tests = `from solution import subtract\n\n\ndef test_subtract():\n    assert subtract(2, 1) == 1\n`
    const result = await run('python', { code: python.code, tests })
    expect(result).toMatchObject({ status: 'failed', tests: { total: 1, errors: 1 } })
    expect(result.cases[0]?.message).toContain('ImportError')
  })

  it('throws the reason when it is aborted', { timeout: TIMEOUT }, async () => {
    const tests = `${python.tests}\n\ndef test_slow():\n    import time\n    time.sleep(30)\n`
    const controller = new AbortController()
    const reason = new Error('the client went away')
    setTimeout(() => controller.abort(reason), 1500)
    const started = performance.now()
    await expect(
      runTests(sandbox!, language('python'), { code: python.code, tests }, limits, {
        runner: null,
        signal: controller.signal,
      }),
    ).rejects.toBe(reason)
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})

describe.runIf(sandbox)('a language that cannot run', () => {
  const python = SAMPLES.python!

  it('is skipped without verification rules, and has no syntax check', async () => {
    const kotlin = language('kotlin')
    expect(kotlin.verification).toBeUndefined()
    const files = { code: 'fun add(a: Int, b: Int) = a + b', tests: '' }
    const result = await runTests(sandbox!, kotlin, files, limits, { runner: null })
    expect(result).toMatchObject({ status: 'skipped', reason: 'no test runner for Kotlin' })
    expect(await checkSyntax(sandbox!, kotlin, 'code', files, limits)).toBeNull()
    expect(await discoverToolchain(sandbox!, kotlin, limits)).toEqual({
      available: false,
      runner: null,
      version: null,
      reason: 'no test runner for Kotlin',
    })
  })

  it('is skipped when the sandbox cannot start', async () => {
    const broken = new BwrapSandbox({ bwrap: '/nonexistent/bwrap' })
    const files = { code: python.code, tests: python.tests }
    const result = await runTests(broken, language('python'), files, limits, { runner: null })
    expect(result.status).toBe('skipped')
    expect(result.reason).toMatch(/^sandbox unavailable: /)
    const toolchain = await discoverToolchain(broken, language('python'), limits)
    expect(toolchain).toMatchObject({ available: false, runner: 'pytest', version: null })
    expect(toolchain.reason).toMatch(/^sandbox unavailable: /)
  })

  it('names the Debian packages when the runner is missing', { timeout: TIMEOUT }, async () => {
    const python = language('python')
    const missing: Language = {
      ...python,
      verification: {
        ...python.verification!,
        version: { command: '/usr/bin/no-such-runner --version', pattern: '(\\d+)' },
      },
    }
    const toolchain = await discoverToolchain(sandbox!, missing, limits)
    expect(toolchain).toMatchObject({ available: false, runner: 'pytest', version: null })
    expect(toolchain.reason).toContain('apt-get install python3 python3-pytest')
  })
})
