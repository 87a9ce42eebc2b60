import { GENERATION_STATUSES, type GenerationStatus } from '../../api/generation-types.js'
import { JOB_STATUSES, type JobStatus } from '../../api/job-types.js'

/** How a status looks: its words (never colour alone) and the badge's tone. */
export interface StatusLook {
  label: string
  tone: 'ok' | 'warn' | 'danger' | 'info' | 'neutral'
  /** Still changing: the lists refresh it, the pages follow it. */
  live: boolean
}

const LOOKS: Record<GenerationStatus, StatusLook> = {
  queued: { label: 'Queued', tone: 'info', live: true },
  running: { label: 'Running', tone: 'info', live: true },
  completed: { label: 'Completed', tone: 'ok', live: false },
  partial: { label: 'Partial', tone: 'warn', live: false },
  failed: { label: 'Failed', tone: 'danger', live: false },
  cancelled: { label: 'Cancelled', tone: 'neutral', live: false },
  interrupted: { label: 'Interrupted', tone: 'danger', live: false },
}

/** The look of a generation's or job's status; an unknown one is shown as it is. */
export function statusLook(status: string): StatusLook {
  return LOOKS[status as GenerationStatus] ?? { label: status, tone: 'neutral', live: false }
}

/** The filters and paging of a list, as the URL's query keeps them. */
export interface ListFilters {
  language: string
  status: string
  q: string
  user: string
  limit: number
  cursor: string
}

export const PAGE_SIZES = [20, 50, 100] as const

/**
 * Reads the list's filters from the URL query. Values the API would refuse (a status it does
 * not know, a page size outside its range) are dropped rather than sent, so a hand-edited URL
 * shows a list instead of an error.
 */
export function readFilters(query: URLSearchParams, statuses: readonly string[]): ListFilters {
  const status = query.get('status') ?? ''
  const limit = Number(query.get('limit'))
  return {
    language: (query.get('language') ?? '').trim(),
    status: statuses.includes(status) ? status : '',
    q: query.get('q') ?? '',
    user: (query.get('user') ?? '').trim(),
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : PAGE_SIZES[0],
    cursor: /^[A-Za-z0-9_-]{1,500}$/.test(query.get('cursor') ?? '') ? query.get('cursor')! : '',
  }
}

export const HISTORY_STATUSES: readonly GenerationStatus[] = GENERATION_STATUSES
export const JOB_FILTER_STATUSES: readonly JobStatus[] = JOB_STATUSES

/** A prompt cut to one line of about `max` characters, for a list. */
export function promptPreview(prompt: string, max = 120): string {
  const line = prompt.replace(/\s+/g, ' ').trim()
  if (line.length <= max) return line
  return `${line.slice(0, max - 1).trimEnd()}…`
}
