import { strFromU8, unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { generationFiles, safeName, zipGeneration } from './zip.js'

const result = {
  code: 'def f():\n    return 1\n',
  filename: 'solution.py',
  tests: {
    code: 'def test_f(): pass\n',
    framework: 'pytest',
    filename: 'test_solution.py',
    syntax_valid: true,
  },
  documentation: { content: '# f\n\nReturns 1 — ü.\n', format: 'markdown' as const },
}

describe('zipGeneration', () => {
  it('holds the code, the tests and README.md under their names', async () => {
    const bytes = await zipGeneration(result)
    expect(bytes).toBeInstanceOf(Uint8Array)
    const files = unzipSync(bytes)
    expect(Object.keys(files).sort()).toEqual(['README.md', 'solution.py', 'test_solution.py'])
    expect(strFromU8(files['solution.py']!)).toBe(result.code)
    expect(strFromU8(files['test_solution.py']!)).toBe(result.tests.code)
    expect(strFromU8(files['README.md']!)).toBe(result.documentation.content)
  })

  it('leaves out tests and docs that are not there', async () => {
    const files = unzipSync(await zipGeneration({ ...result, tests: null, documentation: null }))
    expect(Object.keys(files)).toEqual(['solution.py'])
  })

  it('keeps two files of one name apart', async () => {
    const files = unzipSync(
      await zipGeneration({ ...result, tests: { ...result.tests, filename: 'solution.py' } }),
    )
    expect(Object.keys(files).sort()).toEqual(['2-solution.py', 'README.md', 'solution.py'])
  })
})

describe('safeName', () => {
  it('strips folders and parent references', () => {
    expect(safeName('../../etc/passwd', 'x')).toBe('passwd')
    expect(safeName('src\\main.rs', 'x')).toBe('main.rs')
    expect(safeName('..', 'x')).toBe('x')
    expect(generationFiles({ ...result, filename: '' })[0]?.name).toBe('solution.txt')
  })
})
