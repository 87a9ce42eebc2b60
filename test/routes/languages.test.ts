import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadLanguageRegistry } from '../../src/analysis/language-registry.js'
import { createTestApp } from '../helpers/app.js'
import { RUNNABLE } from '../sandbox/helpers.js'

describe('languages routes', () => {
  it('lists every supported language with the published fields', async () => {
    const app = await createTestApp()
    const response = await app.inject({ method: 'GET', url: '/api/languages' })
    expect(response.statusCode).toBe(200)
    const { languages, count } = response.json() as {
      languages: Record<string, unknown>[]
      count: number
    }
    expect(count).toBe(languages.length)
    expect(languages.length).toBeGreaterThanOrEqual(16)
    for (const language of languages) {
      expect(Object.keys(language).sort()).toEqual(
        [
          'aliases',
          'analysis',
          'conventions',
          'doc_style',
          'extensions',
          'id',
          'name',
          'test_framework',
          'verification',
        ].sort(),
      )
    }
    expect(languages.find((language) => language.id === 'python')).toEqual({
      id: 'python',
      name: 'Python',
      aliases: ['py', 'python3'],
      extensions: ['.py', '.pyi'],
      test_framework: 'pytest',
      doc_style: 'Google-style docstrings',
      analysis: true,
      conventions: {
        code_file: 'solution.py',
        test_file: 'test_solution.py',
        test_import: expect.stringContaining('from solution import'),
      },
      verification: {
        available: true,
        runner: 'pytest',
        version: expect.stringMatching(/^\d+\.\d+/),
        reason: null,
      },
    })
    await app.close()
  })

  it('says which languages run their tests here, with the runner found, or why not', async () => {
    const app = await createTestApp()
    // The first request after start-up waits for the runners to be found.
    const response = await app.inject({ method: 'GET', url: '/api/languages' })
    const languages = response.json().languages as {
      id: string
      verification: { available: boolean; runner: string | null; version: string | null }
    }[]
    const available = languages.filter((language) => language.verification.available)
    expect(available.map((language) => language.id).sort()).toEqual(RUNNABLE)
    for (const { verification } of available) {
      expect(verification).toMatchObject({ runner: expect.any(String), reason: null })
      expect(verification.version).toMatch(/\d/)
    }
    const kotlin = await app.inject({ method: 'GET', url: '/api/languages/kt' })
    expect(kotlin.json().verification).toEqual({
      available: false,
      runner: null,
      version: null,
      reason: expect.stringMatching(/no test runner for Kotlin/),
    })
    await app.close()
  })

  it('says that nothing runs with SANDBOX=off', async () => {
    const app = await createTestApp({ SANDBOX: 'off' })
    const response = await app.inject({ method: 'GET', url: '/api/languages/python' })
    expect(response.json().verification).toEqual({
      available: false,
      runner: 'pytest',
      version: null,
      reason: expect.stringMatching(/SANDBOX=off/),
    })
    await app.close()
  })

  it("lists in the README every language's runner and Debian packages, as language.json says", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const rows = new Map(
      [...readme.matchAll(/^\| (\w+) +\| ([^|]+?) +\| ([^|]+?) +\|$/gm)].map((match) => [
        match[1]!,
        { runner: match[2]!, packages: match[3]! },
      ]),
    )
    for (const language of loadLanguageRegistry().languages) {
      const rules = language.verification
      const row = rows.get(language.id)
      expect(row, `README row of ${language.id}`).toBeDefined()
      expect(row).toEqual(
        rules
          ? {
              runner: rules.runner,
              packages: rules.packages.map((name) => `\`${name}\``).join(' '),
            }
          : { runner: 'none', packages: '—' },
      )
    }
  })

  it('finds one language by alias', async () => {
    const app = await createTestApp()
    const response = await app.inject({ method: 'GET', url: '/api/languages/TS' })
    expect(response.json()).toMatchObject({ id: 'typescript', test_framework: 'jest' })
    await app.close()
  })

  it('answers an unknown language with 404 naming the supported ones', async () => {
    const app = await createTestApp()
    const response = await app.inject({ method: 'GET', url: '/api/languages/cobol' })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({
      code: 'APP_ERR_NOT_FOUND',
      detail: expect.stringMatching(
        /^Programming language 'cobol' not supported; supported: bash, c, cpp, /,
      ),
    })
    await app.close()
  })

  it('validates the path parameter', async () => {
    const app = await createTestApp()
    const response = await app.inject({ method: 'GET', url: `/api/languages/${'x'.repeat(65)}` })
    expect(response.statusCode).toBe(400)
    expect(response.json().errors).toEqual([
      { field: 'path.id', rule: 'too_big', message: expect.any(String) },
    ])
    await app.close()
  })
})
