import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Ajv from 'ajv'
import { afterAll, describe, expect, it } from 'vitest'
import { ANALYZE_OPTIONS } from '../src/commands/analyze/arguments.js'
import { CSV_HEADER } from '../src/commands/analyze/formats/csv.js'
import { Progress } from '../src/commands/analyze/progress.js'

const projectRoot = fileURLToPath(new URL('..', import.meta.url))
// Resolved here: a bare `tsx` resolves from the working directory, which some tests change.
const tsx = import.meta.resolve('tsx')
const root = mkdtempSync(join(tmpdir(), 'verigen-cli-ci-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function verigen(args: string[], cwd = projectRoot) {
  const result = spawnSync(
    process.execPath,
    ['--import', tsx, join(projectRoot, 'src', 'cli.ts'), 'analyze', ...args],
    {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ENV_FILE: '/dev/null' },
      maxBuffer: 64 * 1024 * 1024,
    },
  )
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Writes files under a new folder of `root`; returns the folder. */
function tree(name: string, files: Record<string, string>): string {
  const folder = join(root, name)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true })
    writeFileSync(join(folder, path), text)
  }
  return folder
}

const names = (stdout: string) =>
  (JSON.parse(stdout) as { files: { path: string }[] }).files.map((file) =>
    file.path.split('/').slice(-2).join('/'),
  )

// area: cyclomatic 3, cognitive 2.
const AREA =
  'def area(w, h):\n    if w < 0 or h < 0:\n        raise ValueError(w)\n    return w * h\n'
const BROKEN_JS = 'function f() {\n  return g(1,\n}\n'

describe('verigen analyze: parallel and in order', () => {
  // Big files first: with two workers, later small files finish before them.
  const files: Record<string, string> = {}
  for (let index = 0; index < 24; index++) {
    const body = Array.from(
      { length: index < 4 ? 400 : 1 },
      (_, line) => `def f${line}(x):\n    if x > ${line}:\n        return x\n    return ${line}\n`,
    ).join('')
    files[`f${String(index).padStart(2, '0')}.py`] = body
  }
  const folder = tree('order', files)

  it('prints the files in input order whatever finishes first, the same report with --jobs 1 and 2', () => {
    const two = verigen(['--format', 'json', '--jobs', '2', folder])
    const one = verigen(['--format', 'json', '--jobs', '1', folder])
    expect(two.status, two.stderr).toBe(0)
    expect(names(two.stdout)).toEqual(Object.keys(files).map((name) => `order/${name}`))
    expect(JSON.parse(two.stdout)).toEqual(JSON.parse(one.stdout))
    expect(JSON.parse(two.stdout).summary).toMatchObject({ files: 24, analysed: 24 })
  }, 120_000)

  it('reports one file analysed in this process as the workers report it', () => {
    const alone = JSON.parse(verigen(['--format', 'json', join(folder, 'f05.py')]).stdout)
    const pooled = JSON.parse(
      verigen(['--format', 'json', join(folder, 'f05.py'), join(folder, 'f06.py')]).stdout,
    )
    expect(alone.files[0]).toEqual(pooled.files[0])
  }, 60_000)

  it('refuses --jobs 0 with exit 2', () => {
    const result = verigen(['--jobs', '0', folder])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('--jobs')
  })
})

describe('verigen analyze: thresholds', () => {
  const folder = tree('thresholds', {
    'area.py': AREA,
    'small.js': 'function g(a) {\n  return a\n}\n',
  })

  it('exits 1 and lists each function past --max-cyclomatic on stderr', () => {
    const result = verigen(['--max-cyclomatic', '2', folder])
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/area\.py:1: area cyclomatic 3 > 2/)
    expect(result.stderr).not.toMatch(/small\.js/)
  })

  it('exits 0 when no function is above the limits (equal is allowed)', () => {
    const result = verigen(['--max-cyclomatic', '3', '--max-cognitive', '2', folder])
    expect(result.status, result.stderr).toBe(0)
    expect(result.stderr).toBe('')
  })

  it('lists cognitive violations, in the json document too, with the issue as an error', () => {
    const result = verigen(['--format', 'json', '--max-cognitive', '1', folder])
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/area\.py:1: area cognitive 2 > 1/)
    const document = JSON.parse(result.stdout)
    expect(document.violations).toEqual([
      expect.objectContaining({ function: 'area', metric: 'cognitive', value: 2, limit: 1 }),
    ])
    expect(document.files[0].issues).toContainEqual(
      expect.objectContaining({ rule: 'complexity-cognitive', severity: 'error' }),
    )
  })

  it('refuses a limit that is not a whole number with exit 2', () => {
    expect(verigen(['--max-cyclomatic', 'ten', folder]).status).toBe(2)
  })

  it('keeps --fail-on-syntax-error: exit 1 for a file that does not parse', () => {
    const broken = tree('syntax', { 'broken.js': BROKEN_JS })
    expect(verigen([broken]).status).toBe(0)
    expect(verigen(['--fail-on-syntax-error', broken]).status).toBe(1)
  })
})

describe('verigen analyze: formats', () => {
  const folder = tree('formats', {
    'area.py': AREA,
    'pkg/broken.js': BROKEN_JS,
    'odd name.py': 'def two(a, b):\n    return a or b\n',
  })

  it('writes SARIF 2.1.0 that the official schema accepts, with rules and regions', () => {
    const result = verigen(['--format', 'sarif', '--max-cyclomatic', '2', folder])
    expect(result.status).toBe(1)
    const log = JSON.parse(result.stdout)
    const ajv = new Ajv({ schemaId: 'id', allErrors: true })
    ajv.addMetaSchema(
      JSON.parse(
        readFileSync(
          join(projectRoot, 'node_modules', 'ajv', 'lib', 'refs', 'json-schema-draft-04.json'),
          'utf8',
        ),
      ),
    )
    const schema = JSON.parse(
      readFileSync(join(projectRoot, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'),
    )
    const valid = ajv.validate(schema, log)
    expect(ajv.errors ?? [], JSON.stringify(ajv.errors)).toEqual([])
    expect(valid).toBe(true)
    const driver = log.runs[0].tool.driver
    expect(driver.name).toBe('verigen')
    expect(driver.version).toMatch(/^\d+\.\d+\.\d+/)
    const ruleIds = driver.rules.map((rule: { id: string }) => rule.id)
    expect(ruleIds).toEqual(expect.arrayContaining(['syntax-error', 'complexity-cyclomatic']))
    const results = log.runs[0].results as {
      ruleId: string
      level: string
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: object } }[]
    }[]
    const syntax = results.find((item) => item.ruleId === 'syntax-error')!
    expect(syntax.level).toBe('error')
    expect(syntax.locations[0]!.physicalLocation.artifactLocation.uri).toMatch(/pkg\/broken\.js$/)
    expect(syntax.locations[0]!.physicalLocation.region).toMatchObject({
      startLine: expect.any(Number),
      startColumn: expect.any(Number),
    })
    const complexity = results.find((item) => item.ruleId === 'complexity-cyclomatic')!
    expect(complexity.level).toBe('error')
    expect(complexity.locations[0]!.physicalLocation).toMatchObject({
      artifactLocation: { uri: expect.stringMatching(/area\.py$/) },
      region: { startLine: 1 },
    })
    // Paths are URI references: a space is percent-encoded.
    expect(JSON.stringify(results)).not.toContain('odd name.py')
  }, 60_000)

  it("writes lizard's CSV columns under a header, or without it with --no-header", () => {
    const file = join(folder, 'area.py')
    const result = verigen(['--format', 'csv', file])
    expect(result.status).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toBe(CSV_HEADER)
    expect(lines[0]!.split(',').slice(0, 11)).toEqual([
      'NLOC',
      'CCN',
      'token',
      'PARAM',
      'length',
      'location',
      'file',
      'function',
      'long_name',
      'start',
      'end',
    ])
    expect(lines[1]).toMatch(/^4,3,,2,4,"area@1-4@(.*area\.py)","\1","area","area",1,4,2$/)
    const bare = verigen(['--format', 'csv', '--no-header', file])
    expect(bare.stdout.split('\n')[0]).toMatch(/^4,3,,2,4,"area@1-4@.*area\.py",/)
  })
})

describe('verigen analyze: which files', () => {
  it('honours .gitignore files, nested ones too, and skips ignored folders', () => {
    const folder = tree('ignored', {
      '.gitignore': 'build/\n*.gen.py\n',
      'keep.py': AREA,
      'model.gen.py': AREA,
      'build/out.py': AREA,
      'sub/.gitignore': 'local.py\n',
      'sub/local.py': AREA,
      'sub/other.py': AREA,
      'deeper/sub/local.py': AREA,
    })
    const result = verigen(['--format', 'json', folder])
    expect(result.status, result.stderr).toBe(0)
    expect(names(result.stdout)).toEqual(['sub/local.py', 'ignored/keep.py', 'sub/other.py'])
  })

  it('walks a folder named on the command line even if a .gitignore above it lists it', () => {
    const folder = tree('named', {
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.gitignore': 'vendor/\n',
      'vendor/pkg/lib.py': AREA,
      'vendor/pkg/.gitignore': 'skip.py\n',
      'vendor/pkg/skip.py': AREA,
      'main.py': AREA,
    })
    const whole = verigen(['--format', 'json', folder])
    expect(names(whole.stdout)).toEqual(['named/main.py'])
    const named = verigen(['--format', 'json', join(folder, 'vendor', 'pkg')])
    expect(named.status, named.stderr).toBe(0)
    expect(names(named.stdout)).toEqual(['pkg/lib.py'])
  })

  it('skips files and folders matching --exclude, repeatable', () => {
    const folder = tree('excluded', {
      'a.py': AREA,
      'a.test.py': AREA,
      'vendor/lib.py': AREA,
      'src/b.py': AREA,
    })
    const result = verigen([
      '--format',
      'json',
      '--exclude',
      '*.test.py',
      '--exclude',
      'vendor/',
      folder,
    ])
    expect(result.status, result.stderr).toBe(0)
    expect(names(result.stdout)).toEqual(['excluded/a.py', 'src/b.py'])
  })

  it('analyses only what changed since a git ref with --changed-since, uncommitted and new files included', () => {
    const folder = tree('repository', { 'a.py': AREA, 'b.py': AREA, 'gone.py': AREA })
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: folder,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.com',
        },
      }).toString()
    git('init', '-q')
    git('add', '.')
    git('commit', '-q', '-m', 'first')
    const base = git('rev-parse', 'HEAD').trim()
    writeFileSync(join(folder, 'd.py'), AREA)
    git('add', 'd.py')
    git('commit', '-q', '-m', 'second')
    writeFileSync(join(folder, 'b.py'), `${AREA}\n`)
    writeFileSync(join(folder, 'c.py'), AREA)
    git('rm', '-q', 'gone.py')
    const result = verigen(['--format', 'json', '--changed-since', base, folder])
    expect(result.status, result.stderr).toBe(0)
    expect(names(result.stdout)).toEqual(['repository/b.py', 'repository/c.py', 'repository/d.py'])
    const head = verigen(['--format', 'json', '--changed-since', 'HEAD', folder])
    expect(names(head.stdout)).toEqual(['repository/b.py', 'repository/c.py'])

    const unknown = verigen(['--changed-since', 'no-such-ref', folder])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain("no commit 'no-such-ref'")
  }, 60_000)

  it('refuses --changed-since outside a git repository with a clear usage error', () => {
    const outside = mkdtempSync(join(tmpdir(), 'verigen-cli-nogit-'))
    try {
      writeFileSync(join(outside, 'a.py'), AREA)
      const result = verigen(['--changed-since', 'HEAD', outside], outside)
      expect(result.status).toBe(2)
      expect(result.stderr).toMatch(/--changed-since needs a git repository/)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })
})

describe('verigen analyze --help', () => {
  it('documents every option and the exit codes', () => {
    const result = verigen(['--help'])
    expect(result.status).toBe(0)
    for (const option of Object.keys(ANALYZE_OPTIONS))
      expect(result.stdout, option).toContain(`--${option}`)
    expect(result.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /)
  })
})

describe('the progress line', () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = []
    return {
      written,
      stream: {
        isTTY,
        write: (text: string) => written.push(text),
      } as unknown as NodeJS.WriteStream,
    }
  }

  it('shows done/total on a terminal for a run of many files, and clears itself', () => {
    const terminal = stream(true)
    const progress = new Progress(30, terminal.stream)
    progress.update(30)
    progress.end()
    expect(terminal.written).toEqual(['\rverigen analyze: 30/30 files', '\r\x1b[K'])
  })

  it('stays silent for a short run, and when stderr is not a terminal', () => {
    const short = stream(true)
    new Progress(3, short.stream).update(1)
    const piped = stream(false)
    new Progress(300, piped.stream).update(1)
    expect([...short.written, ...piped.written]).toEqual([])
  })
})
