import { describe, expect, test } from 'vitest'
import { AppError } from '../../../errors.js'
import { codeBlockGrammar, normaliseTags } from './code-block-grammar.js'

describe('codeBlockGrammar', () => {
  test('is one fenced block: opening fence, optional tag and file name, lines, closing fence', () => {
    expect(codeBlockGrammar(['python', 'py'])).toBe(
      [
        'root ::= "```" tag info "\\n" line* "```"',
        'tag ::= ( "py" | "python" )?',
        'info ::= ""',
        'line ::= ( [^`\\n] [^\\n]* | "`" ( [^`\\n] [^\\n]* )? | "``" ( [^`\\n] [^\\n]* )? )? "\\n"',
        '',
      ].join('\n'),
    )
  })

  test('a file name may follow the tag, one of those given', () => {
    expect(codeBlockGrammar(['py'], ['test_solution.py', 'solution.py'])).toContain(
      'info ::= ( " " ( "solution.py" | "test_solution.py" ) )?\n',
    )
  })

  test('without tags the fence carries none', () => {
    expect(codeBlockGrammar([])).toContain('tag ::= ""\n')
  })

  test('tags are deduplicated and sorted, so one tag set has one grammar', () => {
    expect(normaliseTags(['ts', 'typescript', 'ts'])).toEqual(['ts', 'typescript'])
    expect(codeBlockGrammar(['b', 'a'])).toBe(codeBlockGrammar(['a', 'b', 'a']))
  })

  test('quotes and backslashes in a tag are escaped', () => {
    expect(codeBlockGrammar(['c"\\'])).toContain('tag ::= ( "c\\"\\\\" )?')
  })

  test.each([['with space'], ['back`tick'], ['line\nbreak'], [''], ['x'.repeat(41)]])(
    'refuses the tag %j',
    (tag) => {
      expect(() => codeBlockGrammar([tag])).toThrow(AppError)
    },
  )
})
