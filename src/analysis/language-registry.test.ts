import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UnsupportedLanguageError } from '../errors.js'
import { loadLanguageRegistry } from './language-registry.js'

const GENERATION = {
  code_file: 'SOLUTION.cbl',
  test_file: 'SOLUTION-TEST.cbl',
  guidelines: ['Use COBOL 2002 free format.'],
  error_handling: ['Set RETURN-CODE.'],
  test_conventions: ['One test paragraph per behaviour.'],
  test_import: 'COPY SOLUTION.',
  doc_conventions: ['A comment block per paragraph.'],
}

const ANALYSIS = {
  profile: 'lizard',
  functions: [],
  classes: [],
  cyclomatic: { tokens: [], nodes: [] },
  logical_operators: [],
  conditionals: [],
  else_ifs: [],
  loops: [],
  switches: [],
  catches: [],
  ternaries: [],
  jumps: [],
  comments: [],
  strings: [],
  calls: [],
}

const REQUIRED = [
  'python',
  'javascript',
  'typescript',
  'tsx',
  'java',
  'go',
  'rust',
  'c',
  'cpp',
  'csharp',
  'ruby',
  'php',
  'kotlin',
  'swift',
  'scala',
  'bash',
]

describe('language registry', () => {
  const registry = loadLanguageRegistry()

  it('discovers every required language from its folder, with its grammar installed', () => {
    expect(registry.ids).toEqual(expect.arrayContaining(REQUIRED))
    for (const language of registry.languages) {
      expect(language.analysis, `${language.id} grammar ${language.grammar.package}`).toBe(true)
    }
  })

  it('finds languages by id or alias, in any case', () => {
    expect(registry.find('Python')?.id).toBe('python')
    expect(registry.find('py')?.id).toBe('python')
    expect(registry.find('C#')?.id).toBe('csharp')
    expect(registry.find('golang')?.id).toBe('go')
    expect(registry.find('cobol')).toBeUndefined()
  })

  it('refuses an unknown language, listing the supported ones', () => {
    expect(() => registry.resolve('cobol')).toThrow(UnsupportedLanguageError)
    expect(() => registry.resolve('cobol')).toThrow(
      `Programming language 'cobol' not supported; supported: ${registry.ids.join(', ')}`,
    )
  })

  it('detects languages from file extensions', () => {
    expect(registry.detect('src/app.TSX')?.id).toBe('tsx')
    expect(registry.detect('lib/util.mjs')?.id).toBe('javascript')
    expect(registry.detect('main.rs')?.id).toBe('rust')
    expect(registry.detect('include/x.hpp')?.id).toBe('cpp')
    expect(registry.detect('README')).toBeUndefined()
  })

  it('reads a .h file as C++ when its code holds C++-only constructs, else as C', () => {
    const cpp = [
      'namespace leveldb {\nclass Slice;\n}\n',
      '#include <string>\nint f(void);\n',
      'template <typename T>\nT max(T a, T b);\n',
      'class LEVELDB_EXPORT DB {\n public:\n  DB();\n};\n',
      'struct Reader : public Base {\n};\n',
      'using std::string;\n',
    ]
    for (const code of cpp) expect(registry.detect('include/db.h', code)?.id, code).toBe('cpp')
    const c = [
      'struct sds { int len; };\nint f(void);\n',
      // C++ only for C++ compilers: the header stays C.
      '#ifdef __cplusplus\n#include <cstring>\nusing namespace std;\n#else\n#include <string.h>\n#endif\n',
      '#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n',
      '/* a label */\nint f(void) { out: return 0; }\n',
    ]
    for (const code of c) expect(registry.detect('src/sds.h', code)?.id, code).toBe('c')
    // Without the code, and for an extension no language claims, the extension decides.
    expect(registry.detect('include/db.h')?.id).toBe('c')
    expect(registry.detect('src/db.c', 'namespace x {}')?.id).toBe('c')
    expect(registry.readsContent('a/b.H')).toBe(true)
    expect(registry.readsContent('a/b.hpp')).toBe(false)
  })

  it('stops start-up on a broken language file, naming the file and the field', () => {
    const directory = mkdtempSync(join(tmpdir(), 'verigen-languages-'))
    mkdirSync(join(directory, 'cobol'))
    writeFileSync(
      join(directory, 'cobol', 'language.json'),
      JSON.stringify({
        id: 'cobol',
        name: 'COBOL',
        aliases: [],
        extensions: ['cbl'],
        test_framework: 'x',
        doc_style: 'y',
        grammar: { package: 'tree-sitter-cobol' },
        analysis: ANALYSIS,
      }),
    )
    expect(() => loadLanguageRegistry(directory)).toThrow(
      /cobol\/language\.json: extensions\.0: a dot then letters/,
    )
  })

  it('marks a language whose grammar is missing as not analysable', () => {
    const directory = mkdtempSync(join(tmpdir(), 'verigen-languages-'))
    mkdirSync(join(directory, 'cobol'))
    writeFileSync(
      join(directory, 'cobol', 'language.json'),
      JSON.stringify({
        id: 'cobol',
        name: 'COBOL',
        aliases: [],
        extensions: ['.cbl'],
        test_framework: 'cobol-check',
        doc_style: 'comments',
        grammar: { package: 'tree-sitter-cobol-not-installed' },
        analysis: ANALYSIS,
        generation: GENERATION,
      }),
    )
    expect(loadLanguageRegistry(directory).find('cobol')?.analysis).toBe(false)
  })
})
