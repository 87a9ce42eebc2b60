import { afterEach, describe, expect, it } from 'vitest'
import { AnalysisPool } from './worker-pool.js'

const MEMORY = 512 * 1024 * 1024

describe('AnalysisPool', () => {
  let pool: AnalysisPool | undefined
  afterEach(async () => {
    await pool?.close()
    pool = undefined
  })

  it('takes the lines in turn when all wait at once: batches alternate, a single request goes second', async () => {
    pool = new AnalysisPool({ size: 1, timeoutMs: 30_000, memoryBytes: MEMORY })
    const finished: string[] = []
    const run = (name: string, queue?: object) =>
      pool!.run(`${name} = 1\n`, 'python', {}, { queue }).then((outcome) => {
        finished.push(name)
        return outcome
      })
    const batch = {}
    const otherBatch = {}
    // All submitted before the one worker is ready: the order is the pool's alone.
    await Promise.all([
      run('b1', batch),
      run('b2', batch),
      run('b3', batch),
      run('single'),
      run('c1', otherBatch),
      run('c2', otherBatch),
    ])
    expect(finished).toEqual(['b1', 'single', 'c1', 'b2', 'c2', 'b3'])
  }, 30_000)

  it("serves a request that arrives while a batch runs before the batch's next file", async () => {
    pool = new AnalysisPool({ size: 1, timeoutMs: 30_000, memoryBytes: MEMORY })
    // Enough code that a file is still running when the newcomer arrives.
    const code =
      'def f(x):\n    for i in range(x):\n        if i % 2:\n            x += i\n    return x\n\n'.repeat(
        2000,
      )
    // A started worker: the batch's first file runs at once and its line is empty meanwhile.
    await pool.run('w = 0\n', 'python')
    const finished: string[] = []
    const batch = {}
    const files = ['b1', 'b2', 'b3'].map((name) =>
      pool!.run(code, 'python', {}, { queue: batch }).then(() => finished.push(name)),
    )
    while (pool.stats.busy === 0) await new Promise((resolve) => setTimeout(resolve, 2))
    const single = pool.run('x = 1\n', 'python').then(() => finished.push('single'))
    await Promise.all([...files, single])
    expect(finished).toEqual(['b1', 'single', 'b2', 'b3'])
  }, 60_000)

  it('does not let a stream of requests starve a batch', async () => {
    pool = new AnalysisPool({ size: 1, timeoutMs: 30_000, memoryBytes: MEMORY })
    await pool.run('w = 0\n', 'python')
    const code = 'def f(x):\n    return x + 1\n\n'.repeat(300)
    const finished: string[] = []
    const run = (name: string, queue?: object) =>
      pool!.run(code, 'python', {}, { queue }).then(() => finished.push(name))
    const batch = {}
    const files = [run('b1', batch), run('b2', batch)]
    while (pool.stats.busy === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    // Three requests arrive while the batch's first file runs: each goes before its next file.
    const early = [run('s1'), run('s2'), run('s3')]
    while (!finished.includes('s2')) await new Promise((resolve) => setTimeout(resolve, 1))
    // One more arrives after the batch has waited three turns: the batch goes first.
    const late = run('s4')
    await Promise.all([...files, ...early, late])
    expect(finished).toEqual(['b1', 's1', 's2', 's3', 'b2', 's4'])
  }, 60_000)

  it('drops a waiting task whose signal aborts, with the signal reason, and runs the others', async () => {
    pool = new AnalysisPool({ size: 1, timeoutMs: 30_000, memoryBytes: MEMORY })
    const controller = new AbortController()
    const first = pool.run('x = 1\n', 'python')
    const dropped = pool.run('y = 2\n', 'python', {}, { signal: controller.signal })
    const last = pool.run('z = 3\n', 'python')
    controller.abort(new Error('client left'))
    await expect(dropped).rejects.toThrow('client left')
    expect(pool.stats.queued).toBe(2)
    const outcomes = await Promise.all([first, last])
    expect(outcomes.map((outcome) => outcome.syntaxValid)).toEqual([true, true])
  }, 30_000)

  it('answers the report as JSON text, with whether the input parsed', async () => {
    pool = new AnalysisPool({ size: 1, timeoutMs: 30_000, memoryBytes: MEMORY })
    const outcome = await pool.run('def f(:\n', 'python')
    expect(outcome.syntaxValid).toBe(false)
    expect(JSON.parse(outcome.json)).toMatchObject({
      programming_language: 'python',
      syntax_valid: false,
    })
  }, 30_000)

  it('fails the waiting tasks when workers die while starting, instead of restarting them for ever', async () => {
    const saved = process.env.NODE_OPTIONS
    // Every worker forked now stops before it is ready.
    process.env.NODE_OPTIONS = '--require /nonexistent/preload.cjs'
    try {
      pool = new AnalysisPool({ size: 1, timeoutMs: 30_000, memoryBytes: MEMORY })
      await expect(pool.run('x = 1\n', 'python')).rejects.toMatchObject({
        code: 'APP_ERR_INTERNAL',
        message: expect.stringMatching(/stop while starting/),
      })
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS
      else process.env.NODE_OPTIONS = saved
    }
    // With a working environment the pool starts workers again.
    const outcome = await pool.run('x = 1\n', 'python')
    expect(outcome.syntaxValid).toBe(true)
  }, 30_000)
})
