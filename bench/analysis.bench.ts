import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { analyzeSource } from '../src/analysis/engine.js'
import { loadLanguageRegistry } from '../src/analysis/language-registry.js'
import { parse, parserFor } from '../src/analysis/parser.js'
import { JAVASCRIPT_PACKAGE_FOLDERS } from './corpus.js'
import { projectRoot, spawnBuiltServer } from './server.js'

const TARGET_BYTES = 1024 * 1024

/** Real code: the Python standard library and JavaScript sources from this project's node_modules. */
export function corpus(kind: 'python' | 'javascript'): string[] {
  const files: string[] = []
  let bytes = 0
  const take = (path: string) => {
    if (bytes >= TARGET_BYTES * 1.1) return
    const size = statSync(path).size
    if (size < 2_000 || size > 200_000) return
    files.push(path)
    bytes += size
  }
  if (kind === 'python') {
    const directory = '/usr/lib/python3.11'
    for (const name of readdirSync(directory).sort())
      if (name.endsWith('.py')) take(join(directory, name))
  } else {
    const roots = JAVASCRIPT_PACKAGE_FOLDERS
    const walk = (directory: string) => {
      if (!existsSync(directory)) return
      for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
        a.name.localeCompare(b.name),
      )) {
        const path = join(directory, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (entry.name.endsWith('.js') && !entry.name.endsWith('.min.js')) take(path)
      }
    }
    for (const root of roots) walk(join(projectRoot, 'node_modules', root))
  }
  return files
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits

export async function throughput(kind: 'python' | 'javascript', files: string[]) {
  const language = loadLanguageRegistry().resolve(kind)
  const parser = await parserFor(language)
  const sources = files.map((path) => readFileSync(path, 'utf8'))
  const bytes = sources.reduce((sum, source) => sum + Buffer.byteLength(source), 0)
  const parseTimes: number[] = []
  const analysisTimes: number[] = []
  for (let round = 0; round < 5; round += 1) {
    let started = performance.now()
    for (const source of sources) parse(parser, source)
    parseTimes.push(performance.now() - started)
    started = performance.now()
    for (const source of sources) await analyzeSource(source, language)
    analysisTimes.push(performance.now() - started)
  }
  const parseMs = median(parseTimes)
  const analysisMs = median(analysisTimes)
  return {
    files: files.length,
    megabytes: round(bytes / 1024 / 1024, 3),
    parse_only_mb_s: round(bytes / 1024 / 1024 / (parseMs / 1000)),
    whole_analysis_mb_s: round(bytes / 1024 / 1024 / (analysisMs / 1000)),
    analysis_to_parse_ratio: round(analysisMs / parseMs),
  }
}

/** Latency of /api/health while a 1 MiB file is being analysed, against the same probe idle. */
async function healthDuringAnalysis() {
  const port = 18_520
  const data = mkdtempSync(join(tmpdir(), 'verigen-bench-health-'))
  const child = spawnBuiltServer(port, join(data, 'bench.db'), { RATE_LIMIT_REQUESTS: '0' })
  const base = `http://127.0.0.1:${port}`
  try {
    for (;;) {
      try {
        if ((await fetch(`${base}/api/health`)).ok) break
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    const probe = async (durationMs: number, until?: Promise<unknown>) => {
      const latencies: number[] = []
      let done = false
      void until?.then(() => (done = true))
      const end = performance.now() + durationMs
      while (until ? !done : performance.now() < end) {
        const started = performance.now()
        await (await fetch(`${base}/api/health`)).text()
        latencies.push(performance.now() - started)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      return latencies
    }
    let code = ''
    for (const name of readdirSync('/usr/lib/python3.11').sort()) {
      if (!name.endsWith('.py')) continue
      code += readFileSync(join('/usr/lib/python3.11', name), 'utf8')
      if (Buffer.byteLength(code) > 1_000_000) break
    }
    code = code.slice(0, 1_000_000)
    const idle = await probe(1000)
    // Warm the worker so that its one-off start-up is not in the measurement.
    const analyse = () =>
      fetch(`${base}/api/analyze`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, programming_language: 'python' }),
      }).then((response) => response.text())
    await analyse()
    const started = performance.now()
    const analysis = analyse()
    const busy = await probe(0, analysis)
    const analysisMs = performance.now() - started
    return {
      input_bytes: Buffer.byteLength(code),
      analysis_ms: round(analysisMs, 0),
      health_idle_ms: { p50: round(percentile(idle, 0.5)), p99: round(percentile(idle, 0.99)) },
      health_during_analysis_ms: {
        samples: busy.length,
        p50: round(percentile(busy, 0.5)),
        p99: round(percentile(busy, 0.99)),
        max: round(Math.max(...busy)),
      },
    }
  } finally {
    child.kill('SIGTERM')
    rmSync(data, { recursive: true, force: true })
  }
}

/** Whole analysis against parsing alone, both languages, in one run so that the ratios share the load. */
export async function benchThroughput(
  python = corpus('python'),
  javascript = corpus('javascript'),
) {
  return {
    python: await throughput('python', python),
    javascript: await throughput('javascript', javascript),
  }
}

/** Analysis throughput against parsing alone, and server responsiveness (the CLI: analysis-cli.bench.ts). */
export async function benchAnalysis() {
  const python = corpus('python')
  const javascript = corpus('javascript')
  return {
    throughput: await benchThroughput(python, javascript),
    responsiveness: await healthDuringAnalysis(),
  }
}
