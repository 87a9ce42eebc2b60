import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadLanguageRegistry } from '../language-registry.js'
import { parse, parserFor } from '../parser.js'
import type { FileMetrics, ProfileOptions, UnitMetrics } from './profile.js'
import { halsteadVolume, maintainabilityIndex, radonProfile } from './radon.js'
import { radonRawCounts } from './radon-raw.js'
import { radonName, type RadonBlock, type RadonReport } from '../../../test/helpers/radon-report.js'

const fixtures = join(import.meta.dirname, '../../../test/fixtures/python')

let parser: Awaited<ReturnType<typeof parserFor>>

beforeAll(async () => {
  parser = await parserFor(loadLanguageRegistry().resolve('python'))
})

function analyze(
  source: string,
  options: ProfileOptions = {},
): { units: UnitMetrics[]; file: FileMetrics } {
  return radonProfile.analyze(parse(parser, source), source, options)
}

function unit(units: UnitMetrics[], qualifiedName: string): UnitMetrics {
  const found = units.find((candidate) => candidate.qualifiedName === qualifiedName)
  if (!found) throw new Error(`no unit ${qualifiedName}`)
  return found
}

function readFixture(name: string): string {
  return readFileSync(join(fixtures, name), 'utf8')
}

const source = (lines: string[]): string => lines.join('\n') + '\n'

describe('radon cc on the probe', () => {
  const probe = (): string => readFixture('probe.py')
  const cases: [ProfileOptions['radonCompat'], string][] = [
    ['5.1', 'probe.radon51-cc.json'],
    ['6.0', 'probe.radon6-cc.json'],
  ]
  for (const [compat, expectedFile] of cases) {
    it(`matches radon ${compat} on every block, names and lines included`, () => {
      const expected = (JSON.parse(readFixture(expectedFile)) as Record<string, RadonBlock[]>)[
        'probe/probe.py'
      ]
      const { units } = analyze(probe(), { radonCompat: compat })
      const ours = units.map((block) => [
        block.qualifiedName,
        block.startLine,
        block.endLine,
        block.cyclomatic,
      ])
      const theirs = (expected ?? []).map((block) => [
        radonName(block),
        block.lineno,
        block.endline,
        block.complexity,
      ])
      expect(ours).toHaveLength(theirs.length)
      expect(ours).toEqual(expect.arrayContaining(theirs))
    })
  }

  it('defaults to radon 6.0.1 semantics for match', () => {
    const { units } = analyze(probe())
    expect(unit(units, 'f_match').cyclomatic).toBe(4)
    expect(unit(units, 'f_match2').cyclomatic).toBe(2)
  })

  it('reports kinds, own names and parameters', () => {
    const { units } = analyze(probe())
    expect(unit(units, 'f_loops.inner')).toMatchObject({ kind: 'closure', name: 'inner' })
    expect(unit(units, 'C.m1')).toMatchObject({ kind: 'method', name: 'm1', parameters: 0 })
    expect(unit(units, 'C.Inner')).toMatchObject({ kind: 'class', name: 'Inner' })
    expect(unit(units, 'f_default').parameters).toBe(2)
    expect(unit(units, 'f_if').node.type).toBe('function_definition')
    expect(unit(units, 'Empty').node.type).toBe('class_definition')
  })
})

describe('radon cc details', () => {
  it('names closures of methods by the method name, as radon --show-closures does', () => {
    const { units } = analyze(
      source([
        'class C:',
        '    def m(self):',
        '        def inner():',
        '            def deep(): pass',
        '            return deep',
        '        return inner',
      ]),
    )
    expect(units.map((block) => block.qualifiedName)).toEqual([
      'C',
      'C.m',
      'm.inner',
      'm.inner.deep',
    ])
  })

  it('drops classes defined inside functions, with their methods', () => {
    const { units } = analyze(
      source([
        'def f():',
        '    class Local:',
        '        def m(self):',
        '            if x: pass',
        '    return Local',
      ]),
    )
    expect(units.map((block) => block.qualifiedName)).toEqual(['f'])
    expect(unit(units, 'f').cyclomatic).toBe(1)
  })

  it('counts lambdas, comprehensions and boolean operators in the enclosing block', () => {
    const { units } = analyze(
      source([
        'def f(xs):',
        '    g = lambda x: x if x else None',
        '    return [x for x in xs if x and g(x)]',
      ]),
    )
    expect(unit(units, 'f').cyclomatic).toBe(5)
  })

  it('ignores except* blocks and does not descend into asserts', () => {
    const { units } = analyze(
      source([
        'def f():',
        '    try:',
        '        pass',
        '    except* ValueError:',
        '        pass',
        '    else:',
        '        pass',
        '    assert a and b if c else d',
      ]),
    )
    expect(unit(units, 'f').cyclomatic).toBe(2)
  })

  it('takes endline from the last statement, skipping attribute names on later lines', () => {
    const { units } = analyze(
      source(['def f():', '    return (foo', '            .bar()', '            .baz())']),
    )
    expect(unit(units, 'f').endLine).toBe(2)
  })

  it('ignores an else or finally clause holding only an assert, as radon does', () => {
    const { units } = analyze(
      source(['def f(a):', '    if a:', '        return 1', '    else:', '        assert False']),
    )
    expect(unit(units, 'f').endLine).toBe(3)
  })

  it('subtracts an irrefutable case once in radon 6 and never goes below zero', () => {
    const match = (cases: string[]): string =>
      source([
        'def f(x):',
        '    match x:',
        ...cases.map((pattern) => `        case ${pattern}: pass`),
      ])
    expect(unit(analyze(match(['_'])).units, 'f').cyclomatic).toBe(1)
    expect(unit(analyze(match(['1', 'y', '_'])).units, 'f').cyclomatic).toBe(3)
    expect(unit(analyze(match(['1', 'a.b'])).units, 'f').cyclomatic).toBe(3)
    expect(unit(analyze(match(['1', 'a.b']), { radonCompat: '5.1' }).units, 'f').cyclomatic).toBe(1)
  })

  it('counts lines correctly after non-ASCII text', () => {
    const { units } = analyze(source(["s = 'ßàé😀'", 'def f():', '    x = 1', '    return x']))
    expect(unit(units, 'f')).toMatchObject({ startLine: 2, endLine: 4 })
  })

  it('counts parameters without separators and without a method receiver', () => {
    const { units } = analyze(
      source([
        'def f(a, /, b=1, *args, c, d: int = 2, **kwargs): pass',
        'def g(a, *, b): pass',
        'class C:',
        '    def m(self, a): pass',
        '    @staticmethod',
        '    def s(a, b): pass',
      ]),
    )
    expect(unit(units, 'f').parameters).toBe(6)
    expect(unit(units, 'g').parameters).toBe(2)
    expect(unit(units, 'C.m').parameters).toBe(1)
    expect(unit(units, 'C.s')).toMatchObject({ parameters: 2, startLine: 6 })
  })

  it('walks 10,000 levels of nesting without recursion', () => {
    const depth = 10_000
    const nested = `x = ${'('.repeat(depth)}a and b${')'.repeat(depth)}\n`
    const chain = `x = ${Array.from({ length: depth }, (_, index) => `a${index}`).join(' or ')}\n`
    expect(analyze(nested).file.totalComplexity).toBe(2)
    const { file } = analyze(chain)
    expect(file.totalComplexity).toBe(depth)
    expect(file.halstead).toEqual({ n1: 1, n2: depth, N1: 1, N2: depth })
  })
})

describe('radon raw', () => {
  it('counts logical lines the way radon reads tokens', () => {
    const raw = radonRawCounts(
      source([
        'import os',
        'if x: y = 1  # inline',
        'a = 1; b = 2',
        'c = d[1:2]',
        'def f(x: int) -> int:',
        '    return (x +',
        '            1)',
        '# only a comment',
        '',
        'z = f"{x}"',
      ]),
    )
    // `if x: y = 1` is 2, `a = 1; b = 2` is 2, a slice's colon makes `c = d[1:2]` count 2.
    expect(raw).toEqual({
      loc: 10,
      lloc: 10,
      sloc: 8,
      comments: 2,
      multi: 0,
      blank: 1,
      single_comments: 1,
    })
  })

  it('counts docstrings as multi or single comments', () => {
    const raw = radonRawCounts(
      source([
        '"""Module docstring',
        '',
        'spanning lines."""',
        'def f():',
        '    """One line."""',
        '    return 1',
      ]),
    )
    expect(raw).toEqual({
      loc: 6,
      lloc: 4,
      sloc: 2,
      comments: 0,
      multi: 2,
      blank: 1,
      single_comments: 1,
    })
  })

  it('treats a form feed as a line break, as str.splitlines does', () => {
    expect(radonRawCounts('x = 1\n\f\ny = 2\n')).toMatchObject({ loc: 4, blank: 2, sloc: 2 })
  })

  it('gives up where radon raises SyntaxError', () => {
    expect(radonRawCounts('x = (1,\n')).toBeUndefined()
    expect(radonRawCounts('s = """never closed\n')).toBeUndefined()
  })
})

describe('radon hal', () => {
  it('counts only BinOp, UnaryOp, BoolOp, AugAssign and Compare', () => {
    const { file } = analyze(source(['x = -a + b.c * 2', 'x += 1', 'y = a < b <= 3', 'f(a)[0]']))
    // Operators USub, Add (twice, `+=` included), Mult, Lt, LtE. Operands a; -a and b.c * 2
    // (each unique); c (for b.c) and 2; x and 1; a, b and 3: radon's h_visit gives the same.
    expect(file.halstead).toEqual({ n1: 5, n2: 9, N1: 6, N2: 10 })
  })

  it('folds same-operator chains like Python does, but not across parentheses', () => {
    expect(analyze('x = a and b and c\n').file.halstead).toEqual({ n1: 1, n2: 3, N1: 1, N2: 3 })
    expect(analyze('x = (a and b) and c\n').file.halstead).toEqual({
      n1: 1,
      n2: 4,
      N1: 2,
      N2: 4,
    })
    expect(analyze('x = a or b and c\n').file.halstead).toEqual({ n1: 2, n2: 4, N1: 2, N2: 4 })
  })

  it('merges equal operands across kinds: names, attributes, strings, equal numbers', () => {
    const { file } = analyze(source(['r = x + o.x', "s = 'x' + x", 'n = 1 + 1.0', 'm = True + 1']))
    expect(file.halstead).toEqual({ n1: 1, n2: 2, N1: 4, N2: 8 })
  })

  it('keys operands by function name and lists top-level functions only', () => {
    const { units, file } = analyze(
      source(['def f():', '    def g():', '        return a + b', '    return a + b', 'a + b']),
    )
    expect(unit(units, 'f').halstead).toEqual({ n1: 1, n2: 4, N1: 2, N2: 4 })
    expect(unit(units, 'f.g').halstead).toBeUndefined()
    expect(file.halstead).toEqual({ n1: 1, n2: 6, N1: 3, N2: 6 })
  })

  it('skips decorators, defaults and annotations of a def but not of a class', () => {
    const { file } = analyze(
      source([
        '@d(a + 1)',
        'def f(x=a - 1) -> a * 2:',
        '    pass',
        '@d(a + 1)',
        'class C(a - 1): pass',
      ]),
    )
    expect(file.halstead).toEqual({ n1: 2, n2: 2, N1: 2, N2: 4 })
  })
})

describe('radon mi', () => {
  it('applies radon mi_compute', () => {
    expect(maintainabilityIndex(0, 1, 1, 0)).toBe(100)
    // radon.metrics.mi_compute(100, 5, 20, 10)
    expect(maintainabilityIndex(100, 5, 20, 10)).toBeCloseTo(74.76028019028873, 12)
    expect(halsteadVolume({ n1: 2, n2: 2, N1: 3, N2: 5 })).toBe(16)
  })

  it('matches radon on the probe (multi-line strings counted as comments)', () => {
    const { file } = analyze(readFixture('probe.py'), { radonCompat: '5.1' })
    expect(file.maintainabilityIndex).toBeCloseTo(39.6023722642048, 9)
    expect(file.totalComplexity).toBe(30)
  })
})

describe('sonar-python cognitive complexity', () => {
  const cognitive = (lines: string[], name = 'f'): number =>
    unit(analyze(source(lines)).units, name).cognitive

  it('adds nesting to if, loops, except and ternaries, and +1 flat to elif and else', () => {
    expect(
      cognitive([
        'def f(a, b):',
        '    if a:',
        '        for x in b:',
        '            if x: pass',
        '            elif a: pass',
        '            else: pass',
        '    try:',
        '        with a:',
        '            while b: pass',
        '    except E:',
        '        return 1 if a else 2',
      ]),
    ).toBe(1 + 2 + 3 + 1 + 1 + 1 + 1 + 2)
  })

  it('counts each change of boolean operator, restarting after not and parentheses', () => {
    expect(cognitive(['def f(a, b, c):', '    return a and b and c'])).toBe(1)
    expect(cognitive(['def f(a, b, c):', '    return a and b or c and a'])).toBe(3)
    expect(cognitive(['def f(a, b, c):', '    return a and not (b and c)'])).toBe(2)
  })

  it('counts loop and try else clauses', () => {
    expect(
      cognitive([
        'def f(a):',
        '    for x in a: pass',
        '    else: pass',
        '    try: pass',
        '    except E: pass',
        '    else: pass',
      ]),
    ).toBe(4)
  })

  it('nests closures one level deeper, except in wrapper functions', () => {
    const nested = [
      'def f(a):',
      '    def inner(b):',
      '        if b: return 1',
      '    if a: return inner',
    ]
    expect(cognitive(nested)).toBe(3)
    expect(cognitive(nested, 'f.inner')).toBe(1)
    const wrapper = [
      'def deco(fn):',
      '    def wrapper(b):',
      '        if b: return 1',
      '    return wrapper',
    ]
    expect(cognitive(wrapper, 'deco')).toBe(1)
  })

  it('restarts nesting inside classes', () => {
    expect(
      cognitive([
        'def f(a):',
        '    if a:',
        '        class C:',
        '            def m(self):',
        '                if self: pass',
      ]),
    ).toBe(2)
  })
})

describe('agreement with radon 5.1.0 on standard-library files', () => {
  for (const name of ['functools', 'shlex', 'textwrap', 'base64', 'tokenize']) {
    it(`${name}.py: cc, endline, raw, Halstead and MI`, () => {
      const expected = JSON.parse(readFixture(`${name}.radon.json`)) as RadonReport
      const { units, file } = analyze(readFixture(`${name}.py`), { radonCompat: '5.1' })
      const ours = new Map(
        units.map((block) => [`${block.qualifiedName}:${block.startLine}`, block]),
      )
      for (const block of expected.cc) {
        const key = `${radonName(block)}:${block.lineno}`
        expect({ key, cc: ours.get(key)?.cyclomatic, end: ours.get(key)?.endLine }).toEqual({
          key,
          cc: block.complexity,
          end: block.endline,
        })
      }
      expect(units).toHaveLength(expected.cc.length)
      expect(file.raw).toEqual(expected.raw)
      const [n1, n2, N1, N2] = expected.hal.total
      expect(file.halstead).toEqual({ n1, n2, N1, N2 })
      const halsteadUnits = units.filter((block) => block.halstead)
      expect(halsteadUnits.map((block) => [block.name, block.halstead])).toEqual(
        expected.hal.functions.map(([functionName, [h1, h2, total1, total2]]) => [
          functionName,
          { n1: h1, n2: h2, N1: total1, N2: total2 },
        ]),
      )
      expect(Math.abs((file.maintainabilityIndex ?? -1) - expected.mi)).toBeLessThan(1e-9)
    })
  }
})
