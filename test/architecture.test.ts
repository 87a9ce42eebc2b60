import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

/**
 * docs/architecture.md mirrors two things a newcomer cannot see from one file: the folders of
 * `src/` and the rules of `.dependency-cruiser.cjs`. A folder or rule added, renamed or removed
 * without the page fails here, as an error code without its row in docs/errors.md does.
 */
const page = readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8')
const tableRows = page.split('\n').filter((line) => line.startsWith('| `'))
const firstCells = tableRows.map((line) => line.split('|')[1]!.trim())

const { forbidden } = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as {
  forbidden: Array<{ name: string }>
}

describe('docs/architecture.md', () => {
  it.each(forbidden.map((rule) => rule.name))('describes the rule %s', (name) => {
    expect(firstCells).toContain(`\`${name}\``)
  })

  it('describes no rule that .dependency-cruiser.cjs lacks', () => {
    const names = new Set(forbidden.map((rule) => `\`${rule.name}\``))
    const ruleRows = firstCells.filter((cell) => /^`[a-z]+(-[a-z]+)+`$/.test(cell))
    expect(ruleRows.filter((cell) => !names.has(cell))).toEqual([])
  })

  it('has a row for every folder of src/', () => {
    const folders = readdirSync(new URL('../src/', import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `\`${entry.name}/\``)
    expect(folders.filter((folder) => !firstCells.includes(folder))).toEqual([])
  })

  it('keeps every file under src/services/ at most 300 lines', () => {
    const files = readdirSync(new URL('../src/services/', import.meta.url), {
      recursive: true,
      encoding: 'utf8',
    }).filter((name) => name.endsWith('.ts'))
    const long = files
      .map((name) => ({
        name,
        lines: readFileSync(new URL(`../src/services/${name}`, import.meta.url), 'utf8')
          .trimEnd()
          .split('\n').length,
      }))
      .filter((file) => file.lines > 300)
    expect(files.length).toBeGreaterThan(10)
    expect(long).toEqual([])
  })
})
