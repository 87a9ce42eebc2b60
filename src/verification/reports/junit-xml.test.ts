import { describe, expect, it } from 'vitest'
import { MESSAGE_CHARS } from '../trim.js'
import { parseJunitXml } from './junit-xml.js'
import { MAX_CASES } from './report.js'
import { readXml } from './xml.js'

// Reports as the runners wrote them in the sandbox (pytest 7.2, GoogleTest 1.12, cmocka 1.1,
// PHPUnit 9.6), cut to the parts that matter.
const PYTEST = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="3" time="0.047"><testcase classname="test_solution" name="test_add" time="0.001" /><testcase classname="test_solution" name="test_bad" time="0.002"><failure message="AssertionError: one plus two&#10;assert 3 == 4">def test_bad():
&gt;       assert add(1, 2) == 4, "one plus two"
E       AssertionError: one plus two</failure></testcase><testcase classname="test_solution" name="test_later" time="0.000"><skipped type="pytest.skip" message="later">test_solution.py:9: later</skipped></testcase></testsuite></testsuites>`

const GTEST = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="3" failures="1" disabled="1" errors="0" time="0" name="AllTests">
  <testsuite name="Add" tests="3" failures="1" disabled="1" skipped="0" errors="0" time="0">
    <testcase name="AddsTwo" file="solution_test.cpp" line="3" status="run" result="completed" time="0.002" classname="Add" />
    <testcase name="Bad" file="solution_test.cpp" line="4" status="run" result="completed" time="0" classname="Add">
      <failure message="solution_test.cpp:4&#x0A;Expected equality of these values:" type=""><![CDATA[solution_test.cpp:4
Expected equality of these values:
  add(1, 2)
    Which is: 3
  4]]></failure>
    </testcase>
    <testcase name="DISABLED_Skip" file="solution_test.cpp" line="5" status="notrun" result="suppressed" time="0" classname="Add" />
  </testsuite>
</testsuites>`

const PHPUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="SolutionTest" file="/work/SolutionTest.php" tests="3">
    <testcase name="testAdds" class="SolutionTest" classname="SolutionTest" time="0.002102"/>
    <testsuite name="SolutionTest::testTable" tests="2">
      <testcase name="testTable with data set &quot;one&quot;" class="SolutionTest" classname="SolutionTest" time="0.000063"/>
      <testcase name="testTable with data set &quot;two&quot;" class="SolutionTest" classname="SolutionTest" time="0.000014">
        <error type="RuntimeException">SolutionTest::testTable with data set "two"
RuntimeException: not implemented</error>
      </testcase>
    </testsuite>
  </testsuite>
</testsuites>`

const CMOCKA = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites>
  <testsuite name="tests" time="0.000" tests="2" failures="1" errors="0" skipped="0" >
    <testcase name="test_add_positive" time="0.000" >
    </testcase>
    <testcase name="test_crash" time="0.000" >
      <failure><![CDATA[Test failed with exception: Illegal instruction(4)]]></failure>
    </testcase>
  </testsuite>
</testsuites>`

describe('parseJunitXml', () => {
  it("reads pytest's report: classname::name, the traceback as the message, seconds as ms", () => {
    const report = parseJunitXml(PYTEST)
    expect(report?.complete).toBe(true)
    expect(report?.counts).toEqual({ total: 3, passed: 1, failed: 1, errors: 0, skipped: 1 })
    expect(report?.cases).toEqual([
      { name: 'test_solution::test_add', outcome: 'passed', message: null, duration_ms: 1 },
      {
        name: 'test_solution::test_bad',
        outcome: 'failed',
        message:
          'def test_bad():\n>       assert add(1, 2) == 4, "one plus two"\nE       AssertionError: one plus two',
        duration_ms: 2,
      },
      {
        name: 'test_solution::test_later',
        outcome: 'skipped',
        message: 'test_solution.py:9: later',
        duration_ms: 0,
      },
    ])
  })

  it("reads GoogleTest's: CDATA messages, a disabled test skipped", () => {
    const report = parseJunitXml(GTEST)
    expect(report?.cases.map((testCase) => [testCase.name, testCase.outcome])).toEqual([
      ['Add::AddsTwo', 'passed'],
      ['Add::Bad', 'failed'],
      ['Add::DISABLED_Skip', 'skipped'],
    ])
    expect(report?.cases[1]?.message).toContain('Which is: 3')
  })

  it("reads PHPUnit's nested suites and entities, an <error> as an error", () => {
    const report = parseJunitXml(PHPUNIT)
    expect(report?.counts).toEqual({ total: 3, passed: 2, failed: 0, errors: 1, skipped: 0 })
    expect(report?.cases[2]).toMatchObject({
      name: 'SolutionTest::testTable with data set "two"',
      outcome: 'error',
    })
  })

  it("names cmocka's cases without a class", () => {
    const report = parseJunitXml(CMOCKA)
    expect(report?.cases.map((testCase) => testCase.name)).toEqual([
      'test_add_positive',
      'test_crash',
    ])
    expect(report?.cases[1]?.message).toBe('Test failed with exception: Illegal instruction(4)')
  })

  it('keeps the finished cases of a report cut short, and says it is incomplete', () => {
    const cut = PYTEST.slice(
      0,
      PYTEST.indexOf('<testcase classname="test_solution" name="test_later"') + 30,
    )
    const report = parseJunitXml(cut)
    expect(report?.complete).toBe(false)
    expect(report?.cases.map((testCase) => testCase.outcome)).toEqual(['passed', 'failed'])
  })

  it('is null for what is not a JUnit report', () => {
    expect(parseJunitXml('')).toBeNull()
    expect(parseJunitXml('Segmentation fault')).toBeNull()
    expect(parseJunitXml('{"testResults": []}')).toBeNull()
  })

  it('trims long messages and keeps at most MAX_CASES cases, counting them all', () => {
    const long = `<testsuite><testcase name="big"><failure>${'x'.repeat(100_000)}</failure></testcase></testsuite>`
    expect(parseJunitXml(long)?.cases[0]?.message).toHaveLength(MESSAGE_CHARS)
    const many = `<testsuite>${'<testcase name="t"/>'.repeat(MAX_CASES + 100)}</testsuite>`
    const report = parseJunitXml(many)
    expect(report?.cases).toHaveLength(MAX_CASES)
    expect(report?.counts.total).toBe(MAX_CASES + 100)
  })

  it('survives hostile XML: deep nesting, entity definitions, quotes holding ">"', () => {
    const deep = `${'<a>'.repeat(100_000)}<testcase name="deep"/>`
    expect(() => parseJunitXml(deep)).not.toThrow()
    expect(parseJunitXml(deep)?.complete ?? false).toBe(false)
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><testsuite><testcase name="&lol2;"><failure message="a > b">&lol2;</failure></testcase></testsuite>`
    const report = parseJunitXml(laughs)
    // Only the predefined entities are known: a defined one stays as written.
    expect(report?.cases[0]).toMatchObject({ name: '&lol2;', outcome: 'failed', message: '&lol2;' })
    const quoted = '<testsuite><testcase name="x > y" classname="c"/></testsuite>'
    expect(parseJunitXml(quoted)?.cases[0]?.name).toBe('c::x > y')
  })
})

describe('readXml', () => {
  it('decodes the predefined and numeric entities, and leaves unknown ones alone', () => {
    const texts: string[] = []
    readXml('<r>&lt;&amp;&#65;&#x42;&bogus;&#0;</r>', {
      open: () => {},
      close: () => {},
      text: (text) => texts.push(text),
    })
    expect(texts.join('')).toBe('<&AB&bogus;&#0;')
  })

  it('says a document whose tags do not match is not complete', () => {
    const handler = { open: () => {}, close: () => {}, text: () => {} }
    expect(readXml('<a><b></a></b>', handler)).toBe(false)
    expect(readXml('<a><b/></a>', handler)).toBe(true)
  })
})
