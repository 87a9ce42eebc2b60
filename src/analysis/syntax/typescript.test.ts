import { describe, expect, it } from 'vitest'
import { typescriptErrors } from './typescript.js'

const errorsOf = (code: string, language: string) =>
  typescriptErrors(code, code.split('\n'), language)

describe('typescriptErrors', () => {
  it('gives 1-based lines and columns counted in characters, not bytes', () => {
    const code = "const café = 'é' + (1\nexport {}\n"
    expect(errorsOf(code, 'typescript')[0]).toMatchObject({
      line: 2,
      column: 1,
      message: "')' expected.",
      source_line: 'export {}',
    })
    const marked = errorsOf("const naïve = 'ü' +;\n", 'typescript')[0]
    expect(marked).toMatchObject({ line: 1, column: 20, end_line: 1, end_column: 21 })
  })

  it('reads JavaScript as JSX and rejects TypeScript syntax in it', () => {
    expect(errorsOf('export const a = <div class="x">{1}</div>\n', 'javascript')).toEqual([])
    expect(errorsOf('let n: number = 1\n', 'javascript')).toEqual([
      expect.objectContaining({
        line: 1,
        column: 8,
        message: 'Type annotations can only be used in TypeScript files.',
      }),
    ])
    expect(errorsOf('let n: number = 1\n', 'typescript')).toEqual([])
  })

  it('lists errors in source order, though the parser reports an unclosed tag last', () => {
    const code = 'export function T() {\n  return (\n    <h1 className="t">\n      {x}\n  )\n}\n'
    const errors = errorsOf(code, 'tsx')
    expect(errors[0]).toMatchObject({
      line: 3,
      column: 6,
      message: "JSX element 'h1' has no corresponding closing tag.",
    })
    const starts = errors.map((error) => error.line * 1000 + error.column)
    expect(starts).toEqual([...starts].sort((a, b) => a - b))
  })
})
