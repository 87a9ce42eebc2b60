import { describe, expect, it } from 'vitest'
import { extractCode, unwrapMarkdown } from './extract-code.js'

const PYTHON = ['python', 'py']

const CODE = `def add(a: int, b: int) -> int:
    """Return the sum of a and b.

    Args:
        a: The first number.
        b: The second number.

    Returns:
        The sum.
    """
    # Plain addition: Python integers do not overflow.
    return a + b
`

describe('extractCode', () => {
  describe('fenced replies', () => {
    it('takes the block tagged with the language, without the prose around it', () => {
      const reply = `Here is the code:\n\n\`\`\`python\n${CODE}\`\`\`\n\nThis function adds two numbers.\n`
      expect(extractCode(reply, PYTHON)).toBe(CODE)
    })

    it('takes an untagged block', () => {
      expect(extractCode('```\nx = 1\ny = 2\n```', PYTHON)).toBe('x = 1\ny = 2\n')
    })

    it('matches the tag whatever its case, and ignores what follows it', () => {
      expect(extractCode('```Python\nx = 1\n```\n', PYTHON)).toBe('x = 1\n')
      expect(extractCode('```py title="add.py"\nx = 1\n```\n', PYTHON)).toBe('x = 1\n')
      expect(extractCode('  ```python  \nx = 1\n  ```\n', PYTHON)).toBe('x = 1\n')
    })

    it('prefers the block in the target language over a longer one in another', () => {
      const reply = [
        'Install the dependency first:',
        '```bash',
        'python -m pip install --upgrade requests certifi charset-normalizer idna urllib3',
        '```',
        'Then:',
        '```python',
        'import requests',
        '```',
      ].join('\n')
      expect(extractCode(reply, PYTHON)).toBe('import requests\n')
    })

    it('takes the longest of several blocks in the language', () => {
      const reply = [
        'Usage:',
        '```python',
        'print(add(1, 2))',
        '```',
        'Implementation:',
        '```python',
        CODE.trimEnd(),
        '```',
        'Another example:',
        '```py',
        'add(3, 4)',
        '```',
      ].join('\n')
      expect(extractCode(reply, PYTHON)).toBe(CODE)
    })

    it('counts an untagged block as a match', () => {
      const reply = '```python\nx = 1\n```\n\n```\nx = 1\ny = 2\nz = 3\n```\n'
      expect(extractCode(reply, PYTHON)).toBe('x = 1\ny = 2\nz = 3\n')
    })

    it('falls back to the longest block when none is in the language', () => {
      const reply = '```javascript\nconst a = 1\n```\n\n```typescript\nconst b: number = 2\n```\n'
      expect(extractCode(reply, PYTHON)).toBe('const b: number = 2\n')
    })

    it('reads ~~~ fences', () => {
      expect(extractCode(`~~~python\n${CODE}~~~\n`, PYTHON)).toBe(CODE)
    })

    it('keeps a ``` line inside a ~~~ block, and a ``` block inside a ```` block', () => {
      expect(extractCode('~~~markdown\n```\ncode\n```\n~~~\n', ['markdown'])).toBe(
        '```\ncode\n```\n',
      )
      const docs = '````markdown\n# add\n\n```python\nadd(1, 2)\n```\n````\n'
      expect(extractCode(docs, ['markdown', 'md'])).toBe('# add\n\n```python\nadd(1, 2)\n```\n')
    })

    it('yields the content of a fence left open by a cut-off reply', () => {
      const cut = '```python\ndef add(a, b):\n    return a'
      expect(extractCode(cut, PYTHON)).toBe('def add(a, b):\n    return a\n')
    })

    it('prefers a closed block in the language over an open one in another', () => {
      const reply = '```python\nx = 1\n```\n\n```bash\necho "a much longer line that was cut'
      expect(extractCode(reply, PYTHON)).toBe('x = 1\n')
    })

    it('drops blank lines around the code but keeps its indentation', () => {
      expect(extractCode('```python\n\n\n    x = 1\n\n\n```\n', PYTHON)).toBe('    x = 1\n')
    })

    it('reads CRLF replies and returns LF line endings', () => {
      const reply = `Here is the code:\r\n\r\n\`\`\`python\r\n${CODE.replace(/\n/g, '\r\n')}\`\`\`\r\n`
      expect(extractCode(reply, PYTHON)).toBe(CODE)
    })

    it('returns an empty line for an empty block', () => {
      expect(extractCode('```python\n```\n', PYTHON)).toBe('\n')
    })
  })

  describe('replies without a fence', () => {
    it('removes the prose before and after, keeping the code intact', () => {
      const reply = `Here is the code:\n\n${CODE}\nThis function adds two numbers and returns the result.\n`
      expect(extractCode(reply, PYTHON)).toBe(CODE)
    })

    it('keeps docstrings and comments that read like sentences', () => {
      const code = [
        '# This module adds numbers together.',
        'def add(a, b):',
        '    """Add two numbers and return the result."""',
        '    return a + b',
        '',
      ].join('\n')
      expect(extractCode(`Here is the code:\n${code}`, PYTHON)).toBe(code)
    })

    it('keeps a reply that is only code unchanged', () => {
      expect(extractCode(CODE, PYTHON)).toBe(CODE)
      expect(extractCode(`\n\n${CODE}\n\n`, PYTHON)).toBe(CODE)
    })

    it('keeps lines that only look like words when they carry code punctuation', () => {
      const sql = 'SELECT name FROM users WHERE id = 1;\n'
      expect(extractCode(sql, ['sql'])).toBe(sql)
      const go = 'Println("Hello, world.")\n'
      expect(extractCode(go, ['go'])).toBe(go)
    })

    it('removes several lines of prose, and bold headings', () => {
      const reply = [
        'Sure, I can help with that.',
        '**The complete solution**',
        '',
        'x = 1',
        '',
        'Note that this is a constant.',
        'Let me know if you need anything else!',
      ].join('\n')
      expect(extractCode(reply, PYTHON)).toBe('x = 1\n')
    })

    it('keeps comment lines that start with a single star', () => {
      const js = '/**\n * Adds two numbers.\n */\nfunction add(a, b) {\n  return a + b\n}\n'
      expect(extractCode(`Here is the code:\n\n${js}`, ['javascript', 'js'])).toBe(js)
      expect(extractCode(' * Adds two numbers together.\nx = 1\n', PYTHON)).toBe(
        ' * Adds two numbers together.\nx = 1\n',
      )
    })

    it('reads CRLF replies', () => {
      expect(extractCode('Here is the code:\r\nx = 1\r\ny = 2\r\n', PYTHON)).toBe('x = 1\ny = 2\n')
    })
  })

  // A reply of megabytes is read on the event loop. These took minutes (ended by the test's time
  // limit) with patterns that backtracked over a long line or over every run of blanks.
  it('reads a long line that only looks like a fence in one pass', () => {
    const line = `\`\`\`${'a'.repeat(400_000)}\``
    expect(extractCode(`${line}\nx = 1\n`, ['python'])).toBe(`${line}\nx = 1\n`)
  })

  it('trims a reply of many blank-ended lines in one pass', () => {
    const reply = `x = 1${' \n'.repeat(400_000)}y = 2`
    expect(extractCode(reply, ['python'])).toBe(`x = 1${' \n'.repeat(400_000)}y = 2\n`)
  })
})

describe('unwrapMarkdown', () => {
  it.each([
    ['bare Markdown', '# Title\n\nText.\n', '# Title\n\nText.\n'],
    ['a markdown fence', '```markdown\n# Title\n\nText.\n```\n', '# Title\n\nText.\n'],
    ['an md fence with blanks around', '\n  ```md  \n\n# Title\n```  \n', '# Title\n'],
    ['an untagged fence', '```\n# Title\n```', '# Title\n'],
    ['a fence that does not close the text', '```\n# A\n```\nmore', '```\n# A\n```\nmore\n'],
    ['a python fence', '```python\nx = 1\n```', '```python\nx = 1\n```\n'],
  ])('%s', (_name, text, expected) => {
    expect(unwrapMarkdown(text)).toBe(expected)
  })

  // The pattern it replaces took minutes here (ended by the test's time limit).
  it('reads an unclosed fence over many blank lines in one pass', () => {
    const text = `\`\`\`${'\n'.repeat(400_000)}x`
    expect(unwrapMarkdown(text)).toBe(`${text}\n`)
  })
})
