import { request } from '../../api/client.js'
import type { GenerationRecord, GenerationSummary, Page } from '../../api/generation-types.js'

/** What a job was asked: its prompt and language, which the job itself does not carry. */
export interface JobAsk {
  prompt: string
  language: string
}

// A job's id is its generation's id in the history, whose entry has the prompt. It never
// changes, so each is read once per page load: first from one page of the history (one request
// for the recent jobs), then one by one for older jobs that page did not hold.
const asks = new Map<string, Promise<JobAsk | null>>()
/** When the history page was last read, so a list of unknown ids does not read it every time. */
let listedAt = 0
const LIST_AGAIN_MS = 10_000

async function readRecent(user: string): Promise<void> {
  listedAt = Date.now()
  try {
    const page = await request<Page<GenerationSummary>>('/generations', {
      query: { limit: 100, user },
    })
    for (const item of page.items) {
      if (!asks.has(item.id)) {
        asks.set(
          item.id,
          Promise.resolve({ prompt: item.prompt, language: item.programming_language }),
        )
      }
    }
  } catch {
    // One by one below, then.
  }
}

function readOne(id: string): Promise<JobAsk | null> {
  const ask = request<GenerationRecord>(`/generations/${encodeURIComponent(id)}`)
    .then((record) => ({ prompt: record.prompt, language: record.programming_language }))
    .catch(() => {
      asks.delete(id)
      return null
    })
  asks.set(id, ask)
  return ask
}

/**
 * The prompt and language of each job, read from the history; null when it cannot be read.
 * `user` is an administrator's user filter, so the history page read holds that user's jobs.
 */
export async function jobAsks(ids: string[], user = ''): Promise<Map<string, JobAsk | null>> {
  const missing = ids.filter((id) => !asks.has(id))
  if (missing.length > 1 && Date.now() - listedAt > LIST_AGAIN_MS) await readRecent(user)
  const found = new Map<string, JobAsk | null>()
  await Promise.all(
    ids.map(async (id) => {
      found.set(id, await (asks.get(id) ?? readOne(id)))
    }),
  )
  return found
}
