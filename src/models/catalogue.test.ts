import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultModelFile, listModelFiles } from './catalogue.js'
import { RECOMMENDED_FILE_NAME } from './recommended.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'verigen-models-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

describe('listModelFiles', () => {
  it('lists .gguf files by name with their checksum file, and not partial downloads', () => {
    const sha = 'a'.repeat(64)
    const dir = folder({
      'b.gguf': 'bb',
      'a.gguf': 'a',
      'a.gguf.sha256': `${sha}  a.gguf\n`,
      'c.gguf.part': 'c',
      'notes.txt': 'x',
    })
    mkdirSync(join(dir, 'd.gguf'))
    const files = listModelFiles(dir)
    expect(files.map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 }))).toEqual([
      { name: 'a.gguf', bytes: 1, sha256: sha },
      { name: 'b.gguf', bytes: 2, sha256: null },
    ])
  })

  it('has nothing for a missing folder', () => {
    expect(listModelFiles(join(tmpdir(), 'verigen-no-such-folder'))).toEqual([])
    expect(defaultModelFile(join(tmpdir(), 'verigen-no-such-folder'))).toBeNull()
  })
})

describe('defaultModelFile', () => {
  it('prefers the recommended model, else the newest file', () => {
    const dir = folder({ 'old.gguf': 'o', 'new.gguf': 'n' })
    utimesSync(join(dir, 'old.gguf'), new Date(1000), new Date(1000))
    expect(defaultModelFile(dir)?.name).toBe('new.gguf')
    writeFileSync(join(dir, RECOMMENDED_FILE_NAME), 'r')
    utimesSync(join(dir, RECOMMENDED_FILE_NAME), new Date(500), new Date(500))
    expect(defaultModelFile(dir)?.name).toBe(RECOMMENDED_FILE_NAME)
  })
})
