import { describe, expect, it } from 'vitest'
import { analyzeSource } from './engine.js'
import { loadLanguageRegistry } from './language-registry.js'

const registry = loadLanguageRegistry()
const analyze = (language: string, code: string) => analyzeSource(code, registry.resolve(language))

/**
 * One function per language with the same shape: an `if` with `&&`, an `else if`, an `else`
 * and a loop. Lizard's rules give 1 + if + && + else-if + loop = 5; the white paper gives
 * if 1 + && 1 + else-if 1 + else 1 + loop 1 = 5.
 */
const SAME_SHAPE: Record<string, string> = {
  java: `class Checker {\n  int check(int x) {\n    if (x > 0 && x < 10) {\n      x = 1;\n    } else if (x == 20) {\n      x = 2;\n    } else {\n      x = 3;\n    }\n    for (int i = 0; i < x; i++) {\n      x += i;\n    }\n    return x;\n  }\n}\n`,
  go: `package main\n\nfunc check(x int) int {\n\tif x > 0 && x < 10 {\n\t\tx = 1\n\t} else if x == 20 {\n\t\tx = 2\n\t} else {\n\t\tx = 3\n\t}\n\tfor i := 0; i < x; i++ {\n\t\tx += i\n\t}\n\treturn x\n}\n`,
  rust: `fn check(mut x: i32) -> i32 {\n    if x > 0 && x < 10 {\n        x = 1;\n    } else if x == 20 {\n        x = 2;\n    } else {\n        x = 3;\n    }\n    for i in 0..x {\n        x += i;\n    }\n    x\n}\n`,
  c: `int check(int x) {\n  if (x > 0 && x < 10) {\n    x = 1;\n  } else if (x == 20) {\n    x = 2;\n  } else {\n    x = 3;\n  }\n  for (int i = 0; i < x; i++) {\n    x += i;\n  }\n  return x;\n}\n`,
  cpp: `int check(int x) {\n  if (x > 0 && x < 10) {\n    x = 1;\n  } else if (x == 20) {\n    x = 2;\n  } else {\n    x = 3;\n  }\n  for (int i = 0; i < x; i++) {\n    x += i;\n  }\n  return x;\n}\n`,
  csharp: `class Checker {\n  int Check(int x) {\n    if (x > 0 && x < 10) {\n      x = 1;\n    } else if (x == 20) {\n      x = 2;\n    } else {\n      x = 3;\n    }\n    for (int i = 0; i < x; i++) {\n      x += i;\n    }\n    return x;\n  }\n}\n`,
  php: `<?php\nfunction check($x) {\n  if ($x > 0 && $x < 10) {\n    $x = 1;\n  } elseif ($x == 20) {\n    $x = 2;\n  } else {\n    $x = 3;\n  }\n  for ($i = 0; $i < $x; $i++) {\n    $x += $i;\n  }\n  return $x;\n}\n`,
  ruby: `def check(x)\n  if x > 0 && x < 10\n    x = 1\n  elsif x == 20\n    x = 2\n  else\n    x = 3\n  end\n  for i in 0..x\n    x += i\n  end\n  x\nend\n`,
  kotlin: `fun check(input: Int): Int {\n    var x = input\n    if (x > 0 && x < 10) {\n        x = 1\n    } else if (x == 20) {\n        x = 2\n    } else {\n        x = 3\n    }\n    for (i in 0..x) {\n        x += i\n    }\n    return x\n}\n`,
  swift: `func check(_ input: Int) -> Int {\n    var x = input\n    if x > 0 && x < 10 {\n        x = 1\n    } else if x == 20 {\n        x = 2\n    } else {\n        x = 3\n    }\n    for i in 0..<x {\n        x += i\n    }\n    return x\n}\n`,
  scala: `object Checker {\n  def check(input: Int): Int = {\n    var x = input\n    if (x > 0 && x < 10) {\n      x = 1\n    } else if (x == 20) {\n      x = 2\n    } else {\n      x = 3\n    }\n    for (i <- 0 until x) {\n      x += i\n    }\n    x\n  }\n}\n`,
  bash: `check() {\n  if [[ $1 -gt 0 && $1 -lt 10 ]]; then\n    x=1\n  elif [[ $1 -eq 20 ]]; then\n    x=2\n  else\n    x=3\n  fi\n  for i in 1 2 3; do\n    x=$((x + i))\n  done\n  echo "$x"\n}\n`,
}

describe('tree-based lizard rules', () => {
  it.each(Object.entries(SAME_SHAPE))(
    '%s: the same shape gives cyclomatic 5 and cognitive 5',
    async (language, code) => {
      const report = await analyze(language, code)
      expect(report.syntax_valid, JSON.stringify(report.syntax_errors)).toBe(true)
      const unit = report.functions.find((candidate) => /check/i.test(candidate.name))
      expect(
        unit,
        JSON.stringify(report.functions.map((candidate) => candidate.name)),
      ).toBeDefined()
      expect(unit!.cyclomatic_complexity).toBe(5)
      expect(unit!.cognitive_complexity).toBe(5)
      expect(unit!.max_nesting_depth).toBe(1)
      expect(unit!.performance.time_complexity).toBe('O(n)')
    },
  )

  it('qualifies methods with their class, and counts switch cases and ternaries', async () => {
    const report = await analyze(
      'java',
      `class A {\n  int f(int x) {\n    switch (x) { case 1: return 1; case 2: return 2; default: return x > 2 ? 1 : 0; }\n  }\n}\n`,
    )
    expect(report.functions).toEqual([
      expect.objectContaining({
        qualified_name: 'A.f',
        kind: 'method',
        cyclomatic_complexity: 4,
        cognitive_complexity: 3,
        parameters: 1,
      }),
    ])
  })

  it('counts a sequence of like boolean operators once for cognitive complexity', async () => {
    const report = await analyze(
      'go',
      `package main\nfunc f(a, b, c, d bool) bool {\n\treturn a && b && c || d\n}\n`,
    )
    expect(report.functions[0]).toMatchObject({
      cyclomatic_complexity: 4,
      cognitive_complexity: 2,
      parameters: 4,
    })
  })

  it("counts a C# local function's and a C++ local class's decisions in the function around them too", async () => {
    // lizard: Outer 4 (its if, and Inner's if and ?), f 4 (its if, and g's if and &&).
    const csharp = await analyze(
      'csharp',
      'class C {\n  int Outer(int a) { if (a > 0) return 1; return Inner(a);\n    int Inner(int b) { if (b < 0) return 2; return b > 5 ? 3 : 4; } }\n}\n',
    )
    const cpp = await analyze(
      'cpp',
      'int f(int a) {\n  struct L { int g(int b) { if (b) return 1; return b && a; } };\n  if (a) return 2;\n  return 0;\n}\n',
    )
    const figures = (report: Awaited<ReturnType<typeof analyze>>) =>
      report.functions.map((unit) => [unit.name, unit.cyclomatic_complexity])
    expect(figures(csharp)).toEqual([
      ['Outer', 4],
      ['Inner', 3],
    ])
    expect(figures(cpp)).toEqual([
      ['f', 4],
      ['g', 3],
    ])
  })

  it('counts no decision in a declaration before the body (initializers, default values, types), as lizard does', async () => {
    const cpp = await analyze(
      'cpp',
      'struct A {\n  A(int x, int y) : a_(x ? 1 : 2), b_(x && y), c_([&] { return y ? 1 : 2; }()) {\n    if (x) f();\n  }\n  int a_, b_, c_;\n};\nint g(int x = A ? 1 : 2, bool b = X && Y) { return x; }\n',
    )
    const csharp = await analyze(
      'csharp',
      'class A : B {\n  A(int x, int y) : base(x > 0 ? 1 : 2, y) {\n    if (y > 0) F();\n  }\n  (int, string?) P(params object?[] args) { object?[] xs = null; return (1, null); }\n}\n',
    )
    const figures = (report: Awaited<ReturnType<typeof analyze>>) =>
      report.functions.map((unit) => [unit.name, unit.cyclomatic_complexity])
    // The lambda in the initializer keeps its own decision; the local's `object?` counts (lizard 2).
    expect(figures(cpp)).toEqual([
      ['A', 2],
      ['<lambda>', 2],
      ['g', 1],
    ])
    expect(figures(csharp)).toEqual([
      ['A', 2],
      ['P', 2],
    ])
    // A local function's declaration lies in the body of the method around it: counted there.
    const local = await analyze(
      'csharp',
      'class C {\n  void M() {\n    if (a) f();\n    void L(string? s = x ? "a" : "b") { }\n  }\n}\n',
    )
    expect(figures(local)).toEqual([
      ['M', 4],
      ['L', 1],
    ])
  })
})

describe('syntax errors', () => {
  it.each([
    ['python', 'def f(:\n    pass\n', 1, 7, "missing ')'"],
    ['python', 'if x:\n    pass\nelse if y:\n    pass\n', 3, 1, "unexpected 'else'"],
    // The TypeScript compiler's verdict and message: it expects a comma where the `}` stands.
    ['javascript', 'function f() {\n  return [1, 2\n}\n', 3, 1, "',' expected."],
    ['c', 'int main(void) {\n  int x = (1 + 2;\n  return 0;\n}\n', 2, 17, "missing ')'"],
  ])('%s %j → %i:%i %s', async (language, code, line, column, message) => {
    const report = await analyze(language, code)
    expect(report.syntax_valid).toBe(false)
    expect(report.syntax_errors[0]).toMatchObject({
      line,
      column,
      message,
      source_line: code.split('\n')[line - 1],
    })
    expect(report.issues[0]).toMatchObject({ rule: 'syntax-error', severity: 'error', line })
  })

  it('reports columns in characters on lines with multi-byte text', async () => {
    const code = 'const s = "ünïcødé"; f(1 2)\n'
    for (const language of ['javascript', 'python']) {
      const report = await analyze(language, language === 'python' ? code.slice(6) : code)
      const at = (language === 'python' ? code.slice(6) : code).indexOf('2)') + 1
      expect(report.syntax_errors[0], language).toMatchObject({ line: 1 })
      // Four of the characters before it take two bytes each in UTF-8.
      expect(report.syntax_errors[0]!.column, language).toBeLessThanOrEqual(at)
      if (language === 'javascript') expect(report.syntax_errors[0]!.column).toBe(at)
    }
  })

  it('invents no error on valid code in any language', async () => {
    for (const [language, code] of Object.entries(SAME_SHAPE)) {
      expect((await analyze(language, code)).syntax_errors, language).toEqual([])
    }
  })
})

describe('performance estimate', () => {
  it('reads loop nesting, recursion and sorting', async () => {
    const report = await analyze(
      'go',
      [
        'package main',
        'import "sort"',
        'func pairs(items []int) int {\n\tn := 0\n\tfor _, a := range items {\n\t\tfor _, b := range items {\n\t\t\tif a < b {\n\t\t\t\tn++\n\t\t\t}\n\t\t}\n\t}\n\treturn n\n}',
        'func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}',
        'func ordered(items []int) []int {\n\tsort.Ints(items)\n\tsort.Slice(items, nil)\n\treturn items\n}',
        'func constant(a int) int {\n\treturn a + 1\n}',
      ].join('\n'),
    )
    const byName = Object.fromEntries(report.functions.map((unit) => [unit.name, unit.performance]))
    expect(byName.pairs).toMatchObject({ time_complexity: 'O(n^2)', loop_depth: 2 })
    expect(byName.pairs!.hotspots.map((hotspot) => hotspot.kind)).toEqual([
      'nested-loops-same-collection',
    ])
    expect(byName.fib).toMatchObject({ time_complexity: 'O(2^n)', recursion: 'branching' })
    expect(byName.ordered).toMatchObject({ time_complexity: 'O(n log n)' })
    expect(byName.constant).toMatchObject({ time_complexity: 'O(1)', hotspots: [] })
    expect(report.performance).toMatchObject({
      time_complexity: 'O(2^n)',
      worst_function: 'fib',
      estimated: true,
    })
  })

  it('finds membership tests on lists and string building inside loops', async () => {
    const report = await analyze(
      'python',
      'def dedupe(items):\n    seen = []\n    out = ""\n    for item in items:\n        if item not in seen:\n            seen.append(item)\n            out += str(item)\n    return out\n',
    )
    const kinds = report.functions[0]!.performance.hotspots.map((hotspot) => [
      hotspot.kind,
      hotspot.line,
    ])
    expect(kinds).toEqual([
      ['membership-test-in-loop', 5],
      ['string-building-in-loop', 7],
    ])
  })
})

describe('readability', () => {
  it('is deterministic and explains its parts', async () => {
    const code = SAME_SHAPE.go!
    const first = await analyze('go', code)
    const second = await analyze('go', code)
    expect(first.readability).toEqual(second.readability)
    expect(Object.keys(first.readability.breakdown).sort()).toEqual([
      'comment_density',
      'function_length',
      'identifier_quality',
      'line_length',
      'naming_consistency',
      'nesting',
    ])
    const weighted = Object.values(first.readability.breakdown).reduce(
      (sum, part) => sum + part.score * part.weight,
      0,
    )
    expect(first.readability.score).toBeCloseTo(weighted, 0)
  })

  it('scores deeply nested, cryptic code lower than clear code', async () => {
    const clear = await analyze('go', SAME_SHAPE.go!)
    const cryptic = await analyze(
      'go',
      'package main\nfunc q(a, b, c int) int {\n\tif a > 0 {\n\t\tif b > 0 {\n\t\t\tif c > 0 {\n\t\t\t\tif a > b {\n\t\t\t\t\tif b > c {\n\t\t\t\t\t\treturn a\n\t\t\t\t\t}\n\t\t\t\t}\n\t\t\t}\n\t\t}\n\t}\n\treturn c\n}\n',
    )
    expect(cryptic.readability.score).toBeLessThan(clear.readability.score)
    expect(cryptic.issues.map((issue) => issue.rule)).toContain('deep-nesting')
  })
})

describe('hostile input', () => {
  it.each([
    ['python', '['.repeat(10_000) + ']'.repeat(10_000)],
    ['javascript', '{'.repeat(10_000)],
    ['c', 'int f() {' + 'if (x) {'.repeat(5_000) + '}'.repeat(5_001)],
    ['python', 'x = 1 + ' + '1 + '.repeat(100_000) + '1\n'],
    ['go', '\u0000\u0001\u0002\u00ff\ufffd'.repeat(1000)],
    ['rust', ''],
  ])('%s: %#', async (language, code) => {
    const report = await analyze(language, code)
    expect(typeof report.syntax_valid).toBe('boolean')
    expect(report.metrics.lines.total).toBeGreaterThanOrEqual(0)
  })
})
