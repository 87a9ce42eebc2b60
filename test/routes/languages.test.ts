import { describe, expect, it } from 'vitest'
import { createTestApp } from '../helpers/app.js'

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
        ['aliases', 'analysis', 'doc_style', 'extensions', 'id', 'name', 'test_framework'].sort(),
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
    })
    await app.close()
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
