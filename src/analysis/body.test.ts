import { describe, expect, it } from 'vitest'
import { analyzeSource } from './engine.js'
import { loadLanguageRegistry } from './language-registry.js'

const registry = loadLanguageRegistry()

/** Each function's name with its body's text and kind, as the report's span cuts it out. */
async function bodies(language: string, code: string) {
  const report = await analyzeSource(code, registry.resolve(language))
  return report.functions.map((unit) => [
    unit.qualified_name,
    unit.body ? [unit.body.kind, code.slice(unit.body.start, unit.body.end)] : null,
  ])
}

describe('function body spans', () => {
  it('count UTF-16 code units, so that String.slice cuts the body out of text with non-ASCII', async () => {
    const code =
      'const greet = "héllo 😀"\nfunction f(x) { return "é😀" + x }\nconst g = (y) => `ü${y}`\n'
    expect(await bodies('javascript', code)).toEqual([
      ['f', ['block', '{ return "é😀" + x }']],
      ['g', ['expression', '`ü${y}`']],
    ])
  })

  it("give Python's indented block without the colon or the indentation before it", async () => {
    const code = 'class A:\n    @property\n    def p(self):\n        """Doc."""\n        return 1\n'
    expect(await bodies('python', code)).toEqual([
      ['A.p', ['block', '"""Doc."""\n        return 1']],
    ])
  })

  it('are null for functions without a body: C++ = default, C# auto-properties, Java abstract methods', async () => {
    expect(
      await bodies('cpp', 'struct A {\n  A() = default;\n  int f() const { return 1; }\n};\n'),
    ).toEqual([
      ['A.A', null],
      ['A.f', ['block', '{ return 1; }']],
    ])
    expect(await bodies('csharp', 'class A { int X { get; set; } }')).toEqual([
      ['A.get', null],
      ['A.set', null],
    ])
    expect(
      await bodies('java', 'abstract class A { abstract int f(); int g() { return 1; } }'),
    ).toEqual([
      ['A.f', null],
      ['A.g', ['block', '{ return 1; }']],
    ])
  })

  it("take the expression after a marker token (C#'s =>, Kotlin's =) and a body without a field", async () => {
    expect(await bodies('csharp', 'class A { int X() => 5; }')).toEqual([
      ['A.X', ['expression', '5']],
    ])
    expect(await bodies('kotlin', 'fun f(x: Int): Int = x + 1\nfun g() { println(1) }\n')).toEqual([
      ['f', ['expression', 'x + 1']],
      ['g', ['block', '{ println(1) }']],
    ])
  })

  it("take a Scala lambda's last child and leave out the blank lines Scala's block ends with", async () => {
    const code = 'object O {\n  def f(x: Int): Int =\n    x + 1\n\n  val g = (y: Int) => y * 2\n}\n'
    expect(await bodies('scala', code)).toEqual([
      ['O.f', ['block', 'x + 1']],
      ['O.<lambda>', ['expression', 'y * 2']],
    ])
  })

  it("keep a Ruby method's rescue clause inside its body", async () => {
    const code = 'def h(x)\n  x.to_i\nrescue ArgumentError\n  0\nend\n'
    expect(await bodies('ruby', code)).toEqual([
      ['h', ['block', 'x.to_i\nrescue ArgumentError\n  0']],
    ])
  })
})
