import { analyzeSource } from './engine.js'
import { loadLanguageRegistry } from './language-registry.js'
import { parserFor } from './parser.js'
import type { AnalysisTask } from './worker-pool.js'

const registry = loadLanguageRegistry()
await Promise.all(
  registry.languages.filter((language) => language.analysis).map((language) => parserFor(language)),
)
process.send?.({ ready: true })

process.on('message', (task: AnalysisTask) => {
  analyzeSource(task.code, registry.resolve(task.languageId), task.options).then(
    (report) => process.send?.({ id: task.id, json: JSON.stringify(report) }),
    (error: unknown) =>
      process.send?.({ id: task.id, error: (error as Error).message ?? String(error) }),
  )
})

// Orphaned when the server dies: nothing left to answer to.
process.on('disconnect', () => process.exit(0))
