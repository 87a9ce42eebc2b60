import { benchThroughput } from './analysis.bench.js'

/**
 * `npx tsx bench/throughput.ts`: only the in-process part of the analysis benchmark (whole
 * analysis against tree-sitter parsing alone), without building or starting anything.
 */
console.log(JSON.stringify(await benchThroughput(), null, 2))
