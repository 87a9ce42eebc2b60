import { describe, expect, it } from 'vitest'
import { detectLanguage, languageName } from './languages.js'

const LANGUAGES = [
  { id: 'python', name: 'Python', aliases: [], extensions: ['.py', '.pyi'] },
  { id: 'typescript', name: 'TypeScript', aliases: [], extensions: ['.ts', '.mts'] },
  { id: 'tsx', name: 'TSX', aliases: [], extensions: ['.tsx'] },
  { id: 'cpp', name: 'C++', aliases: [], extensions: ['.cpp', '.hpp'] },
  { id: 'c', name: 'C', aliases: [], extensions: ['.c', '.h'] },
  { id: 'special', name: 'Special', aliases: [], extensions: ['.d.ts'] },
]

describe('detectLanguage', () => {
  it('finds the language from the extension', () => {
    expect(detectLanguage('main.py', LANGUAGES)).toBe('python')
    expect(detectLanguage('stubs.pyi', LANGUAGES)).toBe('python')
    expect(detectLanguage('app.tsx', LANGUAGES)).toBe('tsx')
    expect(detectLanguage('lib.hpp', LANGUAGES)).toBe('cpp')
    expect(detectLanguage('lib.h', LANGUAGES)).toBe('c')
  })

  it('ignores case and folders', () => {
    expect(detectLanguage('SRC/MAIN.PY', LANGUAGES)).toBe('python')
    expect(detectLanguage('src\\dir.py\\main.c', LANGUAGES)).toBe('c')
  })

  it('prefers the longest matching extension', () => {
    expect(detectLanguage('types.d.ts', LANGUAGES)).toBe('special')
    expect(detectLanguage('index.ts', LANGUAGES)).toBe('typescript')
  })

  it('answers null for unknown or bare names', () => {
    expect(detectLanguage('README.md', LANGUAGES)).toBeNull()
    expect(detectLanguage('Makefile', LANGUAGES)).toBeNull()
    expect(detectLanguage('.py', LANGUAGES)).toBeNull()
    expect(detectLanguage('', LANGUAGES)).toBeNull()
  })
})

describe('languageName', () => {
  it('answers the name, or the id when unknown', () => {
    expect(languageName('cpp', LANGUAGES)).toBe('C++')
    expect(languageName('cobol', LANGUAGES)).toBe('cobol')
  })
})
