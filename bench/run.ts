import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { benchAnalysisCli } from './analysis-cli.bench.js'
import { benchAnalysis } from './analysis.bench.js'
import { benchAuth } from './auth.bench.js'
import { benchGeneration } from './generation.bench.js'
import { benchHostileAnalysis } from './hostile-analysis.bench.js'
import { benchJobs } from './jobs.bench.js'
import { benchLocalModel } from './local-model.bench.js'
import { benchSandbox } from './sandbox.bench.js'
import { benchStartup } from './startup.bench.js'
import { benchStreaming } from './streaming.bench.js'
import { benchVerifyLanguages } from './verify-languages.bench.js'
import { benchVerify } from './verify.bench.js'

/**
 * `npm run bench`: builds the server, runs every benchmark, prints a summary and writes
 * bench/results/latest.json with the machine it ran on.
 */
execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' })

const results = {
  date: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
  startup: await benchStartup(),
  auth: await benchAuth(),
  analysis: await benchAnalysis(),
  analysis_cli: await benchAnalysisCli(),
  hostile_analysis: await benchHostileAnalysis(),
  generation: await benchGeneration(),
  streaming: await benchStreaming(),
  jobs: await benchJobs(),
  local_model: await benchLocalModel(),
  sandbox: await benchSandbox(),
  verify_languages: await benchVerifyLanguages(),
  verify: await benchVerify(),
}

console.log(JSON.stringify(results, null, 2))
writeFileSync(
  new URL('./results/latest.json', import.meta.url),
  `${JSON.stringify(results, null, 2)}\n`,
)
