import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))

function verigen(...args: string[]) {
  return verigenWith({}, ...args)
}

function verigenWith(environment: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, ENV_FILE: '/dev/null', ...environment },
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('verigen analyze', () => {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-cli-'))

  beforeAll(() => {
    mkdirSync(join(directory, 'src', 'pkg'), { recursive: true })
    mkdirSync(join(directory, 'node_modules', 'dep'), { recursive: true })
    mkdirSync(join(directory, '.git'), { recursive: true })
    writeFileSync(
      join(directory, 'src', 'area.py'),
      'def area(w, h):\n    if w < 0 or h < 0:\n        raise ValueError(w)\n    return w * h\n',
    )
    writeFileSync(join(directory, 'src', 'pkg', 'broken.js'), 'function f() {\n  return g(1,\n}\n')
    writeFileSync(join(directory, 'src', 'notes.txt'), 'not code')
    writeFileSync(join(directory, 'src', 'run'), 'def main():\n    return 0\n')
    writeFileSync(join(directory, 'node_modules', 'dep', 'index.js'), 'module.exports = 1\n')
    writeFileSync(join(directory, '.git', 'hook.py'), 'x = 1\n')
  })
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  it('prints one JSON document with each file as the API returns it, plus its path', () => {
    const result = verigen('analyze', '--format', 'json', join(directory, 'src'))
    expect(result.status).toBe(0)
    const document = JSON.parse(result.stdout)
    const paths = document.files.map((file: { path: string }) =>
      file.path.replace(/^.*\/src\//, 'src/'),
    )
    expect(paths).toEqual(['src/area.py', 'src/pkg/broken.js'])
    const area = document.files[0]
    expect(area).toMatchObject({
      programming_language: 'python',
      syntax_valid: true,
      functions: [expect.objectContaining({ name: 'area', cyclomatic_complexity: 3 })],
      readability: { score: expect.any(Number) },
    })
    expect(document.files[1]).toMatchObject({
      programming_language: 'javascript',
      syntax_valid: false,
    })
    expect(document.summary).toMatchObject({
      files: 2,
      analysed: 2,
      syntax_invalid: 1,
      functions: 2,
    })
  })

  it('prints a lizard-like table and a summary', () => {
    const result = verigen('analyze', join(directory, 'src', 'area.py'))
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/NLOC\s+CCN\s+COG\s+PARAM\s+LENGTH\s+LOCATION/)
    expect(result.stdout).toMatch(/\s4\s+3\s+2\s+2\s+4\s+area@1-4@/)
    expect(result.stdout).toMatch(/1 file\(s\), 1 function\(s\)/)
  })

  it('exits 1 with --fail-on-syntax-error when a file does not parse, and names the error', () => {
    const result = verigen('analyze', '--fail-on-syntax-error', join(directory, 'src'))
    expect(result.status).toBe(1)
    expect(result.stdout).toMatch(/broken\.js:\d+:\d+: \S/)
  })

  it('analyses a file of unknown type with --language', () => {
    const result = verigen(
      'analyze',
      '--format',
      'json',
      '--language',
      'python',
      join(directory, 'src', 'run'),
    )
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout).files[0].functions[0].name).toBe('main')
  })

  it('refuses an unknown language with exit 2', () => {
    const result = verigen('analyze', '--language', 'cobol', directory)
    expect(result.status).toBe(2)
    expect(result.stderr).toContain("'cobol'")
  })

  it('names a missing path on stderr, analyses the other paths, prints their report and exits 3', () => {
    const missing = join(directory, 'nope.py')
    const result = verigen(
      'analyze',
      '--format',
      'json',
      join(directory, 'src', 'area.py'),
      missing,
      join(directory, 'src', 'pkg'),
    )
    expect(result.status).toBe(3)
    expect(result.stderr).toBe(`verigen analyze: no such file or directory '${missing}'\n`)
    const document = JSON.parse(result.stdout)
    expect(document.files.map((file: { path: string }) => file.path.split('/').pop())).toEqual([
      'area.py',
      'broken.js',
    ])
    expect(document.summary).toMatchObject({ files: 2, analysed: 2 })
  }, 60_000)

  it('bounds each file by ANALYSIS_TIMEOUT_MS: a hostile file is reported, the others analysed, exit 3', () => {
    const nested = join(directory, 'nested.kt')
    writeFileSync(nested, '{'.repeat(8000) + '}'.repeat(8000))
    const result = verigenWith(
      { ANALYSIS_TIMEOUT_MS: '500' },
      'analyze',
      '--format',
      'json',
      nested,
      join(directory, 'src', 'area.py'),
    )
    expect(result.status).toBe(3)
    const document = JSON.parse(result.stdout)
    expect(document.files[0]).toMatchObject({
      error: expect.stringContaining('ANALYSIS_TIMEOUT_MS'),
    })
    expect(document.files[1]).toMatchObject({ programming_language: 'python' })
  }, 60_000)

  it('documents its exit codes in --help', () => {
    const result = verigen('analyze', '--help')
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /)
  })
})
