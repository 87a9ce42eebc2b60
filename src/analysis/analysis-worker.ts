import { analyzeSource } from './engine.js'
import { loadLanguageRegistry } from './language-registry.js'
import { parserFor } from './parser.js'
import type { AnalysisTask, WorkerReply } from './worker-pool.js'

const registry = loadLanguageRegistry()
// Grammars load on first use (20-110 ms each): loading all sixteen up front cost a second of
// start-up per worker, paid again each time a worker is replaced.
process.send?.({ ready: true })

function reply(message: WorkerReply): void {
  process.send?.(message)
}

const loaded = new Set<string>()

async function analyze(task: AnalysisTask) {
  const language = registry.resolve(task.languageId)
  if (!loaded.has(language.id)) {
    await parserFor(language)
    loaded.add(language.id)
    // The task's time starts now: loading a grammar is our cost, not the input's.
    reply({ id: task.id, started: true })
  }
  return analyzeSource(task.code, language, task.options)
}

process.on('message', (task: AnalysisTask) => {
  analyze(task).then(
    (report) =>
      reply({
        id: task.id,
        json: JSON.stringify(report),
        syntaxValid: report.syntax_valid,
        rss: process.memoryUsage.rss(),
      }),
    (error: unknown) =>
      reply({
        id: task.id,
        error: (error as Error).message ?? String(error),
        rss: process.memoryUsage.rss(),
      }),
  )
})

// Orphaned when the server dies: nothing left to answer to.
process.on('disconnect', () => process.exit(0))
