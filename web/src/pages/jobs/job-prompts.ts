import { request } from '../../api/client.js'
import type { GenerationRecord } from '../history/types.js'

/** What a job was asked: its prompt and language, which the job itself does not carry. */
export interface JobAsk {
  prompt: string
  language: string
}

// A job's id is its generation's id in the history, whose entry has the prompt. It never
// changes, so each is read once per page load.
const asks = new Map<string, Promise<JobAsk | null>>()

/** The prompt and language of each job, read from the history; null when it cannot be read. */
export async function jobAsks(ids: string[]): Promise<Map<string, JobAsk | null>> {
  const found = new Map<string, JobAsk | null>()
  await Promise.all(
    ids.map(async (id) => {
      let ask = asks.get(id)
      if (!ask) {
        ask = request<GenerationRecord>(`/generations/${encodeURIComponent(id)}`)
          .then((record) => ({ prompt: record.prompt, language: record.programming_language }))
          .catch(() => {
            asks.delete(id)
            return null
          })
        asks.set(id, ask)
      }
      found.set(id, await ask)
    }),
  )
  return found
}
