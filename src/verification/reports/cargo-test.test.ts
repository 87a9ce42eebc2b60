import { describe, expect, it } from 'vitest'
import { parseCargoTest } from './cargo-test.js'

// cargo 1.65's output (compile lines and the test binary's), as the sandbox collects it.
const OUTPUT = `   Compiling solution v0.1.0 (/work)
    Finished test [unoptimized] target(s) in 0.70s
     Running tests/solution_test.rs (/tmp/target/debug/deps/solution_test-2561ae92f3c08d20)

running 4 tests
test adds ... ok
test rejects_empty - should panic ... ok
test bad ... FAILED
test skipped ... ignored

failures:

---- bad stdout ----
thread 'main' panicked at 'assertion failed: \`(left == right)\`
  left: \`3\`,
 right: \`4\`: one plus two', tests/solution_test.rs:5:12
note: run with \`RUST_BACKTRACE=1\` environment variable to display a backtrace


failures:
    bad

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

error: test failed, to rerun pass \`--test solution_test\`
`

describe('parseCargoTest', () => {
  it('reads each result line, and a failure message from its stdout section', () => {
    const report = parseCargoTest(OUTPUT)
    expect(report?.complete).toBe(true)
    expect(report?.counts).toEqual({ total: 4, passed: 2, failed: 1, errors: 0, skipped: 1 })
    expect(report?.cases[1]).toMatchObject({ name: 'rejects_empty', outcome: 'passed' })
    expect(report?.cases[2]).toMatchObject({ name: 'bad', outcome: 'failed' })
    expect(report?.cases[2]?.message).toContain("panicked at 'assertion failed")
    expect(report?.cases[2]?.message).toContain('right: `4`: one plus two')
  })

  it('makes a test whose result never came an error, with what followed it', () => {
    const report = parseCargoTest(`running 2 tests
test first ... ok
test deep ... 
thread 'deep' has overflowed its stack
fatal runtime error: stack overflow
`)
    expect(report?.complete).toBe(false)
    expect(report?.cases[1]).toMatchObject({ name: 'deep', outcome: 'error' })
    expect(report?.cases[1]?.message).toContain('stack overflow')
  })

  it('is null when no test binary ran', () => {
    expect(parseCargoTest('error: could not compile `solution`\n')).toBeNull()
  })
})
