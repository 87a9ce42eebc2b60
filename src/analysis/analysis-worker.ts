import { parentPort } from 'node:worker_threads'
import { analyzeSource } from './engine.js'
import { loadLanguageRegistry } from './language-registry.js'
import type { AnalysisTask } from './worker-pool.js'

const registry = loadLanguageRegistry()

parentPort?.on('message', (task: AnalysisTask) => {
  analyzeSource(task.code, registry.resolve(task.languageId), task.options).then(
    (report) => parentPort?.postMessage({ id: task.id, report }),
    (error: unknown) =>
      parentPort?.postMessage({ id: task.id, error: (error as Error).message ?? String(error) }),
  )
})
