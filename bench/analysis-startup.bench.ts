import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectRoot } from './server.js'

/**
 * Start-up of `verigen analyze` on one small file (goal ≤ 150 ms on the 2-core reference
 * machine), per language whose code paths differ: Python (radon profile), JavaScript (ESLint
 * profile, the compiler's syntax verdict), Go (lizard rules, no profile). Runs are interleaved
 * with `node -e 0`, so that a change of machine load shows in both.
 */
const cli = join(projectRoot, 'dist', 'cli.js')

const SMALL_FILES: Record<string, string> = {
  'small.py':
    'def area(w, h):\n    if w < 0 or h < 0:\n        raise ValueError(w)\n    return w * h\n',
  'small.js':
    'function area(w, h) {\n  if (w < 0 || h < 0) throw new Error(w)\n  return w * h\n}\n',
  'small.go':
    'package main\n\nfunc area(w, h int) int {\n\tif w < 0 || h < 0 {\n\t\tpanic(w)\n\t}\n\treturn w * h\n}\n',
}

function wallMs(args: string[]): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, args, { stdio: 'ignore' })
  if (result.error || result.status !== 0) throw new Error(`node ${args.join(' ')} failed`)
  return performance.now() - started
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length / 2
  const median =
    sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2
  return { median: Math.round(median), min: Math.round(sorted[0]!) }
}

/** Median and minimum wall time over `runs` runs per file, and node's own alongside. */
export function benchAnalysisStartup(runs = 20) {
  const scratch = mkdtempSync(join(tmpdir(), 'verigen-bench-startup-'))
  try {
    const commands: Record<string, string[]> = { 'node -e 0': ['-e', '0'] }
    for (const [name, code] of Object.entries(SMALL_FILES)) {
      writeFileSync(join(scratch, name), code)
      commands[`verigen analyze ${name}`] = [cli, 'analyze', join(scratch, name)]
    }
    // One run each first: it writes the language registry's cache, as a user's first run does.
    for (const args of Object.values(commands)) wallMs(args)
    const times = Object.fromEntries(Object.keys(commands).map((name) => [name, [] as number[]]))
    for (let run = 0; run < runs; run++)
      for (const [name, args] of Object.entries(commands)) times[name]!.push(wallMs(args))
    return {
      runs,
      ms: Object.fromEntries(Object.entries(times).map(([name, values]) => [name, stats(values)])),
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

// `npx tsx bench/analysis-startup.bench.ts` runs this one alone (after building dist/).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(benchAnalysisStartup(), null, 2))
}
