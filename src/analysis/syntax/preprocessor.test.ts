import { describe, expect, it } from 'vitest'
import { analyzeSource } from '../engine.js'
import { loadLanguageRegistry } from '../language-registry.js'
import { blankMacros, keepOneBranch } from './preprocessor.js'

const registry = loadLanguageRegistry()
const c = registry.resolve('c')
const cpp = registry.resolve('cpp')
const csharp = registry.resolve('csharp')
const preprocessor = (id: string) => registry.resolve(id).syntax!.preprocessor!
const macros = (id: string) => registry.resolve(id).syntax!.macros!

const lineBreaks = (text: string) => [...text.matchAll(/\n/g)].map((match) => match.index)

describe('keepOneBranch', () => {
  it('keeps the first branch of a region, blanks the others and the directives, at the same length', () => {
    const code = '#if A\nint a;\n#elif B\nint b;\n#else\nint c;\n#endif\nint d;\n'
    const rewritten = keepOneBranch(code, preprocessor('c'))
    expect(rewritten).toHaveLength(code.length)
    expect(lineBreaks(rewritten)).toEqual(lineBreaks(code))
    expect(rewritten.split('\n').map((line) => line.trim())).toEqual([
      '',
      'int a;',
      '',
      '',
      '',
      '',
      '',
      'int d;',
      '',
    ])
  })

  it('skips a branch known to be false: #if 0, and C++ code in a C file', () => {
    const code = '#if 0\nold();\n#else\nnew_();\n#endif\n#ifdef __cplusplus\nextern "C" {\n#endif\n'
    const lines = keepOneBranch(code, preprocessor('c')).split('\n')
    expect(lines[1]?.trim()).toBe('')
    expect(lines[3]?.trim()).toBe('new_();')
    expect(lines[6]?.trim()).toBe('')
  })

  it('blanks a directive continued over several lines', () => {
    const code = '#define TWICE(x) \\\n  ((x) * 2)\nint a;\n'
    expect(
      keepOneBranch(code, preprocessor('c'))
        .split('\n')
        .map((line) => line.trim()),
    ).toEqual(['', '', 'int a;', ''])
  })
})

describe('blankMacros', () => {
  it('blanks a macro alone on its line and one in front of a declaration', () => {
    const code = 'FMT_BEGIN_NAMESPACE\nFMT_API void f();\nFMT_END_NAMESPACE\n'
    const rewritten = blankMacros(code, macros('cpp'))
    expect(rewritten).toHaveLength(code.length)
    expect(rewritten.split('\n').map((line) => line.trim())).toEqual(['', 'void f();', '', ''])
  })

  it('turns a macro in a template list into one identifier and blanks type arguments', () => {
    const rewritten = blankMacros(
      'template <typename T, ENABLE_IF(is<T>::value)> void g();',
      macros('cpp'),
    )
    expect(rewritten).toBe(
      `template <typename T, ENABLE_IF${'_'.repeat('(is<T>::value)'.length)}> void g();`,
    )
    expect(blankMacros('p = va_arg(ap, char *);', macros('c'))).toBe('p = va_arg(          );')
  })

  it('leaves keywords, calls in expressions and constants alone', () => {
    const code = 'int n = MAX_SIZE + count(LIMIT);\nif (x) {\n'
    expect(blankMacros(code, macros('c'))).toBe(code)
    const values = 'return SIZE(x);\ncase LIMIT:\nsize_t MAX_LEN = 4;\np = (char *)UNCONST(s);\n'
    expect(blankMacros(values, macros('c'))).toBe(values)
  })

  it('blanks a macro trailing a declarator, one naming a class, and attributes', () => {
    const blanked = (code: string, id = 'c') => blankMacros(code, macros(id)).replace(/ +/g, ' ')
    expect(blanked('int count_ GUARDED_BY(mu_);', 'cpp')).toBe('int count_ ;')
    expect(blanked('void f(void) const LOCKS_EXCLUDED(mu);', 'cpp')).toBe('void f(void) const ;')
    expect(blanked('void log(const char *f, ...) PRINTF_LIKE(1, 2);')).toBe(
      'void log(const char *f, ...) ;',
    )
    expect(blanked('static char oid[] ALIGN8 = {1};')).toBe('static char oid[] = {1};')
    expect(blanked('class VISIBLE("default") error : public base {', 'cpp')).toBe(
      'class error : public base {',
    )
    expect(blanked('s a = {1}, __attribute__ ((deprecated)) b = {2};')).toBe('s a = {1}, b = {2};')
    expect(blanked('static counterAtomic uint64_t next_id;')).toBe('static uint64_t next_id;')
    expect(blanked('typedef const X509_KEY key_t;')).toBe('typedef const X509_KEY key_t;')
    expect(blanked('} JSON_CATCH (std::exception&) {', 'cpp')).toBe('} catch (std::exception&) {')
  })
})

describe('syntax verdicts of C, C++ and C#', () => {
  it('reports a macro before a declaration as a warning, not an error', async () => {
    const report = await analyzeSource('LIB_API int f(void);\nLIB_API int g(void);\n', c)
    expect(report.syntax_valid).toBe(true)
    expect(report.syntax_errors).toEqual([])
  })

  it('reports branches that are incomplete alone as warnings with reason preprocessor', async () => {
    const code = [
      'class A {',
      '  int F(int x) {',
      '#if FAST',
      '    if (x > 0) {',
      '#else',
      '    if (x > 1) {',
      '#endif',
      '      return 1;',
      '    }',
      '    return 0;',
      '  }',
      '}',
      '',
    ].join('\n')
    const report = await analyzeSource(code, csharp)
    expect(report.syntax_valid).toBe(true)
    expect(report.syntax_warnings.length).toBeGreaterThan(0)
    expect(report.syntax_warnings.every((warning) => warning.reason === 'preprocessor')).toBe(true)
  })

  it('still finds an unclosed brace next to macros, where it is', async () => {
    const code =
      'NS_BEGIN\nNS_API int f(int x) {\n  if (x) {\n    return 1;\n  return 0;\n}\nNS_END\n'
    const report = await analyzeSource(code, cpp)
    expect(report.syntax_valid).toBe(false)
    expect(report.syntax_errors).toContainEqual(
      expect.objectContaining({ line: 6, column: 2, message: "missing '}'" }),
    )
  })

  it('reads a construct the grammar does not cover as a parser-limit warning', async () => {
    const code = 'int f(V* v, int i) {\n  return v->operator[](i);\n}\n'
    const report = await analyzeSource(code, cpp)
    expect(report.syntax_valid).toBe(true)
    expect(report.syntax_warnings.map((warning) => warning.reason)).toContain('parser-limit')
  })
})
