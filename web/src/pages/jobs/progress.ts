/**
 * A job's progress, folded from the events of GET /api/jobs/{id}/events (the events of
 * POST /api/generate/stream). Pure: the page feeds it each event and the time it arrived.
 */

export const STAGES = ['code', 'tests', 'docs', 'verify', 'metrics'] as const
export type Stage = (typeof STAGES)[number]

export const STAGE_LABELS: Record<Stage, string> = {
  code: 'Code',
  tests: 'Tests',
  docs: 'Docs',
  verify: 'Verification',
  metrics: 'Metrics',
}

export type StageState = 'waiting' | 'running' | 'done' | 'skipped' | 'failed'

export interface StageProgress {
  state: StageState
  /** When it started and ended, ms since the epoch, as the events arrived. */
  startedAt: number | null
  endedAt: number | null
  /** A short note: "2 repairs", "round 1: 3 of 3 passed". */
  note: string | null
}

export interface JobProgress {
  /** Whether a `started` event was seen (a run is under way or over). */
  started: boolean
  model: string | null
  stages: Record<Stage, StageProgress>
  /** The code as the model writes it, until `code.done` gives the final text. */
  code: string
  repairs: number
  fixRounds: number
  /** 'completed' or 'error' once the stream has said so. */
  outcome: 'completed' | 'error' | null
  error: { error: string; detail: string; code: string } | null
}

function waiting(): StageProgress {
  return { state: 'waiting', startedAt: null, endedAt: null, note: null }
}

/** The progress before any event. */
export function initialProgress(): JobProgress {
  return {
    started: false,
    model: null,
    stages: {
      code: waiting(),
      tests: waiting(),
      docs: waiting(),
      verify: waiting(),
      metrics: waiting(),
    },
    code: '',
    repairs: 0,
    fixRounds: 0,
    outcome: null,
    error: null,
  }
}

function run(stage: StageProgress, now: number, note?: string | null): StageProgress {
  return {
    state: 'running',
    startedAt: stage.state === 'waiting' || stage.startedAt === null ? now : stage.startedAt,
    endedAt: null,
    note: note === undefined ? stage.note : note,
  }
}

function end(
  stage: StageProgress,
  now: number,
  state: StageState,
  note?: string | null,
): StageProgress {
  return {
    state,
    startedAt: stage.startedAt ?? now,
    endedAt: now,
    note: note === undefined ? stage.note : note,
  }
}

function parse(data: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(data) as unknown
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

/** The progress after one event; unknown events and unreadable data change nothing. */
export function applyEvent(
  progress: JobProgress,
  event: { event: string; data: string },
  now: number,
): JobProgress {
  const data = parse(event.data)
  const stages = { ...progress.stages }
  switch (event.event) {
    case 'started': {
      // A run started again (a worker died, a retry) begins from scratch.
      const fresh = initialProgress()
      fresh.started = true
      fresh.model = typeof data?.model === 'string' ? data.model : null
      fresh.stages.code = run(fresh.stages.code, now)
      return fresh
    }
    case 'code.delta': {
      stages.code = run(stages.code, now)
      const text = typeof data?.text === 'string' ? data.text : ''
      return { ...progress, stages, code: progress.code + text }
    }
    case 'repair': {
      const stage = data?.stage === 'tests' ? 'tests' : 'code'
      const repairs = progress.repairs + 1
      stages[stage] = run(stages[stage], now, plural(repairs, 'repair'))
      // A repair of the code writes it again from the start.
      return { ...progress, stages, repairs, code: stage === 'code' ? '' : progress.code }
    }
    case 'code.done': {
      stages.code = end(stages.code, now, 'done')
      const code = typeof data?.code === 'string' ? data.code : progress.code
      return { ...progress, stages, code }
    }
    case 'tests.delta':
    case 'docs.delta': {
      const stage = event.event === 'tests.delta' ? 'tests' : 'docs'
      stages[stage] = run(stages[stage], now)
      return { ...progress, stages }
    }
    case 'tests.done':
    case 'docs.done': {
      const stage = event.event === 'tests.done' ? 'tests' : 'docs'
      // null data: nothing came of it (not asked for, or the model's answer was unusable).
      stages[stage] = end(stages[stage], now, data ? 'done' : 'skipped')
      return { ...progress, stages }
    }
    case 'verify.started': {
      const round = typeof data?.round === 'number' ? data.round : 0
      stages.verify = run(stages.verify, now, round > 0 ? `fix round ${round}` : 'running tests')
      return { ...progress, stages }
    }
    case 'verify.result': {
      const tests = data?.tests as { total?: number; passed?: number } | undefined
      const status = typeof data?.status === 'string' ? data.status : 'unknown'
      const counts =
        tests && typeof tests.total === 'number'
          ? `, ${tests.passed ?? 0} of ${tests.total} passed`
          : ''
      const state: StageState = status === 'skipped' ? 'skipped' : 'done'
      stages.verify = end(stages.verify, now, state, `${status}${counts}`)
      return { ...progress, stages }
    }
    case 'fix': {
      const fixRounds = progress.fixRounds + 1
      stages.verify = run(stages.verify, now, `fixing (${plural(fixRounds, 'round')})`)
      return { ...progress, stages, fixRounds }
    }
    case 'metrics': {
      stages.metrics = end(stages.metrics, now, data ? 'done' : 'skipped')
      return { ...progress, stages }
    }
    case 'completed': {
      for (const stage of STAGES) {
        if (stages[stage].state === 'running') stages[stage] = end(stages[stage], now, 'done')
      }
      return { ...progress, stages, outcome: 'completed' }
    }
    case 'error': {
      for (const stage of STAGES) {
        if (stages[stage].state === 'running') stages[stage] = end(stages[stage], now, 'failed')
      }
      const error = {
        error: typeof data?.error === 'string' ? data.error : 'Error',
        detail: typeof data?.detail === 'string' ? data.detail : '',
        code: typeof data?.code === 'string' ? data.code : 'APP_ERR_INTERNAL',
      }
      return { ...progress, stages, outcome: 'error', error }
    }
    default:
      return progress
  }
}

/** The stage running now, for a one-line status ("Writing tests"), or null. */
export function currentStage(progress: JobProgress): Stage | null {
  return STAGES.find((stage) => progress.stages[stage].state === 'running') ?? null
}

/**
 * The progress of a job that ended before it was watched, told from its result's timings: a
 * stage with a time ran, the others did not.
 */
export function progressFromTimings(
  timings: Record<string, number>,
  outcome: 'completed' | 'error',
): JobProgress {
  const progress = initialProgress()
  progress.started = true
  progress.outcome = outcome
  for (const stage of STAGES) {
    if (typeof timings[stage] === 'number') {
      progress.stages[stage] = { state: 'done', startedAt: 0, endedAt: timings[stage], note: null }
    } else {
      progress.stages[stage] = { state: 'skipped', startedAt: null, endedAt: null, note: null }
    }
  }
  return progress
}
