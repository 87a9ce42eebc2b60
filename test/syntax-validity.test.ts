import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyzeSource } from '../src/analysis/engine.js'
import { loadLanguageRegistry } from '../src/analysis/language-registry.js'
import { projectRoot } from '../src/paths.js'

/**
 * Syntax verdicts on code whose validity is known. `test/fixtures/syntax/<language>/valid/` holds
 * valid files with the constructs grammars have got wrong (a tagged template with type arguments,
 * decorators, JSX in .js, macros): each must report no syntax error. `broken/` holds files with
 * one mistake each, `X.<ext>.txt` beside `X.expected.json`: the errors that must be among those
 * reported (same line, same column when given, the message containing the text). The `.txt`
 * suffix keeps the project's own compiler and linters away from them.
 */

interface ExpectedError {
  line: number
  column?: number
  message: string
}

const registry = loadLanguageRegistry()
const root = join(projectRoot, 'test/fixtures/syntax')
const sources = (folder: string) =>
  existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.txt')) : []

const analyse = async (language: string, path: string) =>
  analyzeSource(readFileSync(path, 'utf8'), registry.resolve(language))

describe('syntax verdicts on known-valid and known-broken files', () => {
  const languages = registry.languages.filter((language) => language.analysis)

  it.each(languages.map((language) => language.id))(
    '%s has at least one valid and two broken files',
    (id) => {
      expect(sources(join(root, id, 'valid')).length).toBeGreaterThanOrEqual(1)
      expect(sources(join(root, id, 'broken')).length).toBeGreaterThanOrEqual(2)
    },
  )

  const valid = languages.flatMap((language) =>
    sources(join(root, language.id, 'valid')).map((name) => [language.id, name] as const),
  )
  it.each(valid)('%s: valid/%s reports no syntax error', async (language, name) => {
    const report = await analyse(language, join(root, language, 'valid', name))
    expect(report.syntax_errors).toEqual([])
    expect(report.syntax_valid).toBe(true)
  })

  const broken = languages.flatMap((language) =>
    sources(join(root, language.id, 'broken')).map((name) => [language.id, name] as const),
  )
  it.each(broken)('%s: broken/%s reports its errors', async (language, name) => {
    const folder = join(root, language, 'broken')
    const stem = name.replace(/\.[^.]+\.txt$/, '')
    const expected = JSON.parse(readFileSync(join(folder, `${stem}.expected.json`), 'utf8')) as {
      errors: ExpectedError[]
    }
    const report = await analyse(language, join(folder, name))
    expect(report.syntax_valid).toBe(false)
    for (const error of expected.errors) {
      expect(report.syntax_errors).toContainEqual(
        expect.objectContaining({
          line: error.line,
          ...(error.column === undefined ? {} : { column: error.column }),
          message: expect.stringContaining(error.message),
        }),
      )
    }
  })
})
