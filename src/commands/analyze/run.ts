import { readFileSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { AnalysisReport } from '../../analysis/engine.js'
import type { Language } from '../../analysis/language-registry.js'
import type { ProfileOptions } from '../../analysis/profiles/profile.js'
import type { FileResult } from './result.js'

/** A file to analyse, or one already known to fail (unknown type). */
export interface FileTask {
  path: string
  shown: string
  language?: Language
  error?: string
}

export interface RunSettings {
  jobs: number
  timeoutMs: number
  memoryBytes: number
  maxFileBytes: number
  options: ProfileOptions
}

/**
 * A lone file up to this size is analysed in this process: starting a worker costs more than
 * the analysis. Its time and memory are then not bounded, as the user named that one file.
 */
export const IN_PROCESS_MAX_BYTES = 256 * 1024

/** Files read ahead per worker: enough to keep the workers busy, few enough to hold in memory. */
const AHEAD_PER_JOB = 4

function tooLarge(limit: number): string {
  return `larger than ${limit} bytes (ANALYSIS_MAX_FILE_BYTES); skipped`
}

async function inProcess(task: FileTask, settings: RunSettings): Promise<FileResult> {
  try {
    // Read synchronously: the one small file is all there is to wait for, and a read on the
    // thread pool would only add its hand-over to the start-up.
    const code = readFileSync(task.path, 'utf8')
    if (Buffer.byteLength(code) > settings.maxFileBytes)
      return { path: task.shown, error: tooLarge(settings.maxFileBytes) }
    const { analyzeSource } = await import('../../analysis/engine.js')
    const report = await analyzeSource(code, task.language!, settings.options)
    return { path: task.shown, report }
  } catch (error) {
    return { path: task.shown, error: (error as Error).message }
  }
}

/**
 * Analyses the files and yields their results in the tasks' order, each as soon as it and those
 * before it are done. Several files go to worker processes, `jobs` at once.
 */
export async function* analyseInOrder(
  tasks: readonly FileTask[],
  settings: RunSettings,
): AsyncGenerator<FileResult> {
  const analysable = tasks.filter((task) => !task.error)
  if (analysable.length <= 1) {
    const only = analysable[0]
    if (!only || statSync(only.path).size <= IN_PROCESS_MAX_BYTES) {
      for (const task of tasks)
        yield task.error ? { path: task.shown, error: task.error } : await inProcess(task, settings)
      return
    }
  }

  const { AnalysisPool } = await import('../../analysis/worker-pool.js')
  const size = Math.max(1, Math.min(settings.jobs, analysable.length))
  const pool = new AnalysisPool({
    size,
    timeoutMs: settings.timeoutMs,
    memoryBytes: settings.memoryBytes,
  })
  const analyse = async (task: FileTask): Promise<FileResult> => {
    if (task.error) return { path: task.shown, error: task.error }
    try {
      const buffer = await readFile(task.path)
      if (buffer.length > settings.maxFileBytes)
        return { path: task.shown, error: tooLarge(settings.maxFileBytes) }
      const { json } = await pool.run(buffer.toString('utf8'), task.language!.id, settings.options)
      return { path: task.shown, json, report: JSON.parse(json) as AnalysisReport }
    } catch (error) {
      return { path: task.shown, error: (error as Error).message }
    }
  }
  // A window of files in flight: the first waits for no one, later ones wait in order.
  const inFlight: Promise<FileResult>[] = []
  let next = 0
  const ahead = size * AHEAD_PER_JOB
  try {
    while (next < tasks.length || inFlight.length > 0) {
      while (next < tasks.length && inFlight.length < ahead) inFlight.push(analyse(tasks[next++]!))
      yield await inFlight.shift()!
    }
  } finally {
    await pool.close()
  }
}
