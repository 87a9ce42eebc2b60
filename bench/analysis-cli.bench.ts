import { spawn, spawnSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { benchAnalysisStartup } from './analysis-startup.bench.js'
import { JAVASCRIPT_PACKAGE_FOLDERS } from './corpus.js'
import { projectRoot } from './server.js'

/**
 * `verigen analyze` as a user runs it, whole processes on the same files in one run: against
 * radon (cc + mi + hal + raw) on Python, against ESLint (complexity + SonarJS cognitive
 * complexity) on JavaScript, and against the floor, a script that only parses the same files
 * with tree-sitter in as many processes as the CLI uses. Plus its start-up on one small file and
 * its memory on 10 MB of input.
 */
const MIB = 1024 * 1024
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits
const cli = join(projectRoot, 'dist', 'cli.js')

/** Files of 2–200 kB under `roots`, in name order, until `bytes` are reached. */
function corpus(roots: string[], extension: string, bytes: number): string[] {
  const files: string[] = []
  let total = 0
  const walk = (directory: string) => {
    if (!existsSync(directory) || total >= bytes) return
    for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      if (total >= bytes) return
      const path = join(directory, entry.name)
      if (entry.isDirectory() && entry.name !== 'test' && entry.name !== 'tests') walk(path)
      else if (entry.name.endsWith(extension) && !entry.name.endsWith(`.min${extension}`)) {
        const size = statSync(path).size
        if (size < 2_000 || size > 200_000) continue
        files.push(path)
        total += size
      }
    }
  }
  for (const root of roots) walk(root)
  return files
}

const PYTHON_ROOTS = ['/usr/lib/python3.11', '/usr/lib/python3/dist-packages']
const JAVASCRIPT_ROOTS = [
  ...JAVASCRIPT_PACKAGE_FOLDERS,
  'zod/v4',
  'typescript/lib',
  'eslint/lib',
  'vitest/dist',
  'vite/dist',
].map((root) => join(projectRoot, 'node_modules', root))

/** Copies the files into one folder, names kept apart by a number. */
function copyInto(files: string[], directory: string): number {
  mkdirSync(directory, { recursive: true })
  let bytes = 0
  files.forEach((file, index) => {
    const target = join(directory, `${String(index).padStart(5, '0')}-${basename(file)}`)
    copyFileSync(file, target)
    bytes += statSync(target).size
  })
  return bytes
}

/** Wall time of one whole command, in ms; null when it fails (exit 0 and 1 are results). */
function timeCommand(command: string, args: string[], cwd = projectRoot): number | null {
  const started = performance.now()
  const result = spawnSync(command, args, { cwd, stdio: 'ignore' })
  if (result.error || (result.status !== 0 && result.status !== 1)) return null
  return performance.now() - started
}

/** Parses the folder's files with tree-sitter alone, in `jobs` processes, each a share. */
const PARSE_ONLY = `
import { createRequire } from 'node:module'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
const [root, folder, grammarPackage, exportName, share, shares] = process.argv.slice(1)
const require = createRequire(join(root, 'package.json'))
const Parser = require('tree-sitter')
const grammar = await import(require.resolve(grammarPackage))
const parser = new Parser()
const module = grammar.default ?? grammar
parser.setLanguage(exportName ? module[exportName] : module)
const files = readdirSync(folder).sort().filter((_, index) => index % Number(shares) === Number(share))
for (const name of files) {
  const source = readFileSync(join(folder, name), 'utf8')
  parser.parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 2 + 16) })
}
`

async function parseOnly(folder: string, grammarPackage: string, jobs: number): Promise<number> {
  const started = performance.now()
  await Promise.all(
    Array.from(
      { length: jobs },
      (_, share) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [
              '--input-type=module',
              '-e',
              PARSE_ONLY,
              projectRoot,
              folder,
              grammarPackage,
              '',
              String(share),
              String(jobs),
            ],
            { stdio: ['ignore', 'ignore', 'inherit'] },
          )
          child.on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`parse-only exited ${code}`)),
          )
        }),
    ),
  )
  return performance.now() - started
}

function radon(folder: string): number | null {
  if (spawnSync('radon', ['--version'], { stdio: 'ignore' }).status !== 0) return null
  const parts = [
    ['cc', '-s', '-j'],
    ['mi', '-s', '-j'],
    ['hal', '-j'],
    ['raw', '-j'],
  ].map((args) => timeCommand('radon', [...args, folder]))
  return parts.every((part) => part !== null) ? parts.reduce((sum, part) => sum! + part!, 0) : null
}

/** ESLint and eslint-plugin-sonarjs from ESLINT_ANCHORS (see bench/agreement/eslint.ts). */
function eslint(folder: string, scratch: string): number | string {
  const anchors = process.env.ESLINT_ANCHORS ?? '/tmp/anchors'
  const bin = join(anchors, 'node_modules', '.bin', 'eslint')
  if (!existsSync(bin)) return `ESLint anchors not found under ${anchors}`
  const plugin = JSON.stringify(
    createRequire(join(anchors, 'package.json')).resolve('eslint-plugin-sonarjs'),
  )
  const config = join(scratch, 'eslint.config.mjs')
  writeFileSync(
    config,
    `import sonarjs from ${plugin}
export default [{ files: ['**/*.js'], plugins: { sonarjs }, languageOptions: { ecmaVersion: 'latest', sourceType: 'commonjs' }, rules: { complexity: ['error', 0], 'sonarjs/cognitive-complexity': ['error', 0] } }]
`,
  )
  return (
    timeCommand(
      bin,
      ['--no-config-lookup', '--no-inline-config', '-c', config, '--format', 'json', folder],
      scratch,
    ) ?? 'ESLint failed'
  )
}

/** Peak resident size of the CLI's own process (its workers have their own limit), in MiB. */
function peakRss(args: string[]): number | null {
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const kilobytes = Number(/(\d+)\s*$/.exec(result.stderr)?.[1])
  return Number.isFinite(kilobytes) ? round(kilobytes / 1024) : null
}

export async function benchAnalysisCli() {
  const scratch = mkdtempSync(join(tmpdir(), 'verigen-bench-cli-'))
  const jobs = availableParallelism()
  try {
    const python = join(scratch, 'python')
    const javascript = join(scratch, 'javascript')
    const pythonBytes = copyInto(corpus(PYTHON_ROOTS, '.py', 2.1 * MIB), python)
    const javascriptBytes = copyInto(corpus(JAVASCRIPT_ROOTS, '.js', 3.1 * MIB), javascript)
    const large = join(scratch, 'ten-mib')
    const largeBytes = copyInto(
      [...corpus(PYTHON_ROOTS, '.py', 6 * MIB), ...corpus(JAVASCRIPT_ROOTS, '.js', 4.2 * MIB)],
      large,
    )

    const ours = (folder: string) =>
      timeCommand(process.execPath, [cli, 'analyze', '--format', 'json', folder])
    const verigenPython = ours(python)
    const radonPython = radon(python)
    const parsePython = await parseOnly(python, 'tree-sitter-python', jobs)
    const verigenJavascript = ours(javascript)
    const eslintJavascript = eslint(javascript, scratch)
    const parseJavascript = await parseOnly(javascript, 'tree-sitter-javascript', jobs)

    const startup = benchAnalysisStartup()

    return {
      jobs,
      python: {
        files: readdirSync(python).length,
        megabytes: round(pythonBytes / MIB, 2),
        verigen_ms: verigenPython && round(verigenPython, 0),
        radon_cc_mi_hal_raw_ms: radonPython && round(radonPython, 0),
        speedup_vs_radon:
          verigenPython && radonPython
            ? round(radonPython / verigenPython)
            : 'radon not installed (apt-get install radon)',
        parse_only_ms: round(parsePython, 0),
        verigen_to_parse_only: verigenPython && round(verigenPython / parsePython, 2),
      },
      javascript: {
        files: readdirSync(javascript).length,
        megabytes: round(javascriptBytes / MIB, 2),
        verigen_ms: verigenJavascript && round(verigenJavascript, 0),
        eslint_complexity_cognitive_ms:
          typeof eslintJavascript === 'number' ? round(eslintJavascript, 0) : eslintJavascript,
        speedup_vs_eslint:
          verigenJavascript && typeof eslintJavascript === 'number'
            ? round(eslintJavascript / verigenJavascript)
            : eslintJavascript,
        parse_only_ms: round(parseJavascript, 0),
        verigen_to_parse_only: verigenJavascript && round(verigenJavascript / parseJavascript, 2),
      },
      startup_one_small_file: startup,
      memory_10_mib: {
        megabytes: round(largeBytes / MIB, 2),
        cli_peak_rss_mib: peakRss(['analyze', '--format', 'json', large]),
      },
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

// `npx tsx bench/analysis-cli.bench.ts` runs this one alone (after `npm run build`).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchAnalysisCli(), null, 2))
}
