import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { languagesDir } from '../../src/paths.js'
import { createTestApp } from '../helpers/app.js'
import { checkedResponses, takeResponseProblems } from '../helpers/response-check.js'

/** Every language's fixture (languages/<id>/fixture.*): real-looking code in each grammar. */
function fixtures(): { id: string; filename: string; code: string }[] {
  return readdirSync(languagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap(({ name: id }) => {
      const file = readdirSync(join(languagesDir, id)).find(
        (name) => name.startsWith('fixture.') && !name.endsWith('.json'),
      )
      return file
        ? [{ id, filename: file, code: readFileSync(join(languagesDir, id, file), 'utf8') }]
        : []
    })
}

describe('the analysis report schema', () => {
  it("describes every field of every language's report, alone and in a batch", async () => {
    const files = fixtures()
    expect(files.length).toBeGreaterThanOrEqual(2)
    const app = await createTestApp()
    const before = checkedResponses()
    for (const file of files) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/analyze',
        payload: { code: file.code, programming_language: file.id, filename: file.filename },
      })
      expect(response.statusCode, file.id).toBe(200)
    }
    const batch = await app.inject({
      method: 'POST',
      url: '/api/analyze/batch',
      payload: {
        files: [
          ...files.map((file) => ({ filename: file.filename, code: file.code })),
          { filename: 'notes.unknown', code: 'x' },
        ],
      },
    })
    expect(batch.statusCode).toBe(200)
    expect(batch.json().summary).toEqual({
      files: files.length + 1,
      analysed: files.length,
      failed: 1,
      syntax_invalid: expect.any(Number),
    })
    // The check in afterEach would fail the test; reading the problems here names them.
    expect(takeResponseProblems()).toEqual([])
    expect(checkedResponses() - before).toBe(files.length + 1)
    await app.close()
  })
})
