/**
 * The view state of one generation, built from its stream events: a pure reducer, so the live
 * page, the Jobs page (same events) and the tests turn events into the same picture.
 */
import type { ErrorBody } from '../../api/errors.js'
import type {
  GeneratedTests,
  GenerationEvent,
  GenerationMetrics,
  GenerationResult,
  TestCounts,
  Verification,
} from '../../api/generation-types.js'

export type StageId = 'code' | 'repairs' | 'tests' | 'docs' | 'verify' | 'metrics'
export type StageStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped'

export interface StageState {
  status: StageStatus
  /** When it started, in the reducer's clock (ms). */
  startedAt: number | null
  /** How long it took, or has taken so far at its last event. */
  elapsedMs: number | null
  /** A short note: "2 repairs", "round 1 passed"… */
  note: string | null
}

export interface VerifyRound {
  round: number
  status: Verification['status'] | 'running'
  tests: TestCounts | null
  /** Why the round after it was asked for (a `fix` event), if one was. */
  fixReason: string | null
}

export type Phase = 'running' | 'completed' | 'failed' | 'cancelled'

export interface GenerationProgress {
  id: string | null
  model: string | null
  phase: Phase
  code: string
  tests: string
  testsInfo: GeneratedTests | null
  docs: string
  repairs: number
  rounds: VerifyRound[]
  metrics: GenerationMetrics | null
  stages: Record<StageId, StageState>
  result: GenerationResult | null
  error: ErrorBody | null
  /** The buffer a delta of this kind replaces rather than extends (a new answer began). */
  fresh: { code: boolean; tests: boolean; docs: boolean }
}

export const STAGE_ORDER: StageId[] = ['code', 'repairs', 'tests', 'docs', 'verify', 'metrics']

function stage(status: StageStatus = 'pending'): StageState {
  return { status, startedAt: null, elapsedMs: null, note: null }
}

/** The state before the first event. */
export function initialProgress(): GenerationProgress {
  return {
    id: null,
    model: null,
    phase: 'running',
    code: '',
    tests: '',
    testsInfo: null,
    docs: '',
    repairs: 0,
    rounds: [],
    metrics: null,
    stages: {
      code: stage(),
      repairs: stage(),
      tests: stage(),
      docs: stage(),
      verify: stage(),
      metrics: stage(),
    },
    result: null,
    error: null,
    fresh: { code: true, tests: true, docs: true },
  }
}

/**
 * The code inside a streamed answer: the model writes a fenced block (```python … ```), the
 * server's `*.done` events carry the code alone; while it streams, strip the fence lines.
 */
export function stripFence(text: string): string {
  let body = text
  const open = /^\s*```[^\n]*(\n|$)/.exec(body)
  if (open) body = body.slice(open[0].length)
  else if (/^\s*`{1,3}$/.test(body)) return ''
  const close = body.search(/\n?```\s*$/)
  if (close !== -1) body = body.slice(0, close)
  return body
}

function withStage(
  state: GenerationProgress,
  id: StageId,
  change: Partial<StageState>,
): GenerationProgress {
  return { ...state, stages: { ...state.stages, [id]: { ...state.stages[id], ...change } } }
}

function start(state: GenerationProgress, id: StageId, now: number): GenerationProgress {
  const current = state.stages[id]
  if (current.status === 'running') return state
  return withStage(state, id, {
    status: 'running',
    startedAt: current.startedAt ?? now,
    elapsedMs: current.elapsedMs,
  })
}

function finish(
  state: GenerationProgress,
  id: StageId,
  now: number,
  status: StageStatus = 'done',
  note?: string | null,
): GenerationProgress {
  const current = state.stages[id]
  const startedAt = current.startedAt ?? now
  return withStage(state, id, {
    status,
    startedAt,
    elapsedMs: now - startedAt,
    ...(note === undefined ? {} : { note }),
  })
}

function append(state: GenerationProgress, key: 'code' | 'tests' | 'docs', text: string) {
  const fresh = state.fresh[key]
  return {
    ...state,
    [key]: fresh ? text : state[key] + text,
    fresh: { ...state.fresh, [key]: false },
  }
}

/**
 * The state after one event, `now` being the time it arrived (ms, any clock): stages start at
 * their first event and end at their `*.done`; the final `completed` event replaces the
 * measured times with the server's `timings_ms`.
 */
export function reduceProgress(
  state: GenerationProgress,
  event: GenerationEvent,
  now: number,
): GenerationProgress {
  switch (event.type) {
    case 'started':
      return start({ ...state, id: event.data.id, model: event.data.model }, 'code', now)
    case 'code.delta': {
      // A delta after the code was done belongs to a fix round: that answer replaces the code.
      let next = append(state, 'code', event.data.text)
      if (state.stages.code.status === 'pending') next = start(next, 'code', now)
      return next
    }
    case 'repair': {
      const repairs = state.repairs + 1
      let next = start({ ...state, repairs }, 'repairs', now)
      next = withStage(next, 'repairs', { note: `${repairs} repair${repairs === 1 ? '' : 's'}` })
      return { ...next, fresh: { ...next.fresh, [event.data.stage]: true } }
    }
    case 'code.done': {
      let next: GenerationProgress = {
        ...state,
        code: event.data.code,
        fresh: { ...state.fresh, code: true },
      }
      next = finish(next, 'code', now, event.data.validation.syntax_valid ? 'done' : 'failed')
      if (next.stages.repairs.status === 'running') next = finish(next, 'repairs', now)
      return next
    }
    case 'tests.delta': {
      const next = append(state, 'tests', event.data.text)
      return state.stages.tests.status === 'pending' ? start(next, 'tests', now) : next
    }
    case 'tests.done': {
      const next = { ...state, testsInfo: event.data, fresh: { ...state.fresh, tests: true } }
      if (event.data) next.tests = event.data.code
      return finish(next, 'tests', now, event.data?.syntax_valid === false ? 'failed' : 'done')
    }
    case 'docs.delta': {
      const next = append(state, 'docs', event.data.text)
      return state.stages.docs.status === 'pending' ? start(next, 'docs', now) : next
    }
    case 'docs.done': {
      const next = { ...state, docs: event.data?.content ?? state.docs }
      return finish(next, 'docs', now, event.data ? 'done' : 'failed')
    }
    case 'verify.started': {
      const rounds = [
        ...state.rounds.filter((round) => round.round !== event.data.round),
        { round: event.data.round, status: 'running' as const, tests: null, fixReason: null },
      ]
      return withStage(start({ ...state, rounds }, 'verify', now), 'verify', {
        status: 'running',
        note: `round ${event.data.round + 1}`,
      })
    }
    case 'verify.result': {
      const rounds = state.rounds.map((round) =>
        round.round === event.data.round
          ? { ...round, status: event.data.status, tests: event.data.tests }
          : round,
      )
      const { passed, total } = event.data.tests
      const note = `round ${event.data.round + 1}: ${event.data.status}, ${passed}/${total} passed`
      return finish({ ...state, rounds }, 'verify', now, 'running', note)
    }
    case 'fix': {
      const rounds = state.rounds.map((round, index) =>
        index === state.rounds.length - 1 ? { ...round, fixReason: event.data.reason } : round,
      )
      return {
        ...withStage({ ...state, rounds }, 'verify', { note: `fix round ${event.data.round}` }),
        fresh: { code: true, tests: true, docs: state.fresh.docs },
      }
    }
    case 'metrics': {
      let next: GenerationProgress = { ...state, metrics: event.data }
      if (next.stages.verify.status === 'running') next = finish(next, 'verify', now)
      if (next.stages.metrics.startedAt === null) {
        next = withStage(next, 'metrics', { startedAt: lastEnd(next) ?? now })
      }
      return finish(next, 'metrics', now, event.data ? 'done' : 'failed')
    }
    case 'completed':
      return fromResult(event.data, state)
    case 'error':
      return markUnfinished({ ...state, phase: 'failed', error: event.data }, 'failed')
  }
}

function lastEnd(state: GenerationProgress): number | null {
  let latest: number | null = null
  for (const id of STAGE_ORDER) {
    const { startedAt, elapsedMs } = state.stages[id]
    if (startedAt !== null && elapsedMs !== null) {
      latest = Math.max(latest ?? 0, startedAt + elapsedMs)
    }
  }
  return latest
}

/** Stages still pending or running end as `status` (failed, or skipped when cancelled). */
function markUnfinished(state: GenerationProgress, status: StageStatus): GenerationProgress {
  const stages = { ...state.stages }
  for (const id of STAGE_ORDER) {
    if (stages[id].status === 'running') stages[id] = { ...stages[id], status }
  }
  return { ...state, stages }
}

/** The user cancelled: what ran stays, the rest is marked as not run. */
export function cancelProgress(state: GenerationProgress): GenerationProgress {
  if (state.phase !== 'running') return state
  return markUnfinished({ ...state, phase: 'cancelled' }, 'skipped')
}

/** The whole picture of a finished generation (History, Jobs, or the `completed` event). */
export function fromResult(
  result: GenerationResult,
  previous: GenerationProgress = initialProgress(),
): GenerationProgress {
  const timings = result.timings_ms
  const attempts = result.validation.attempts
  const repairAttempts = attempts.filter(
    (attempt) => attempt.kind === 'syntax' && attempt.attempt > 1,
  )
  const repairMs = repairAttempts.reduce((sum, attempt) => sum + attempt.duration_ms, 0)
  const done = (ms: number | undefined, status: StageStatus, note: string | null = null) => ({
    status,
    startedAt: null,
    elapsedMs: ms ?? null,
    note,
  })
  const verification = result.verification
  const rounds: VerifyRound[] =
    verification.status === 'skipped'
      ? []
      : previous.rounds.length > 0
        ? previous.rounds.map((round, index, all) =>
            index === all.length - 1
              ? { ...round, status: verification.status, tests: verification.tests }
              : round,
          )
        : [
            {
              round: verification.rounds,
              status: verification.status,
              tests: verification.tests,
              fixReason: null,
            },
          ]
  const failedStage = (id: 'tests' | 'docs' | 'verify' | 'metrics') =>
    result.errors.some((error) => error.stage === id)
  const { passed, total } = verification.tests
  return {
    ...previous,
    id: result.id,
    model: result.model,
    phase: 'completed',
    code: result.code,
    tests: result.tests?.code ?? '',
    testsInfo: result.tests,
    docs: result.documentation?.content ?? '',
    repairs: repairAttempts.length,
    rounds,
    metrics: result.metrics,
    result,
    error: null,
    fresh: { code: true, tests: true, docs: true },
    stages: {
      code: done(timings.code, result.validation.syntax_valid ? 'done' : 'failed'),
      repairs: done(
        repairAttempts.length > 0 ? repairMs : undefined,
        repairAttempts.length > 0 ? 'done' : 'skipped',
        repairAttempts.length > 0
          ? `${repairAttempts.length} repair${repairAttempts.length === 1 ? '' : 's'}`
          : 'none needed',
      ),
      tests: done(
        timings.tests,
        result.tests
          ? result.tests.syntax_valid
            ? 'done'
            : 'failed'
          : failedStage('tests')
            ? 'failed'
            : 'skipped',
      ),
      docs: done(
        timings.docs,
        result.documentation ? 'done' : failedStage('docs') ? 'failed' : 'skipped',
      ),
      verify: done(
        timings.verify,
        verification.status === 'passed'
          ? 'done'
          : verification.status === 'skipped'
            ? 'skipped'
            : 'failed',
        verification.status === 'skipped'
          ? verification.reason
          : `${verification.status}, ${passed}/${total} passed, ${verification.rounds} fix round${verification.rounds === 1 ? '' : 's'}`,
      ),
      metrics: done(timings.metrics, result.metrics ? 'done' : 'skipped'),
    },
  }
}

/** Parses one SSE event of a generation stream; null for names this UI does not know. */
export function parseGenerationEvent(name: string, data: string): GenerationEvent | null {
  const known = [
    'started',
    'code.delta',
    'code.done',
    'repair',
    'tests.delta',
    'tests.done',
    'docs.delta',
    'docs.done',
    'verify.started',
    'verify.result',
    'fix',
    'metrics',
    'completed',
    'error',
  ]
  if (!known.includes(name)) return null
  try {
    return { type: name, data: JSON.parse(data) as unknown } as GenerationEvent
  } catch {
    return null
  }
}

/** The status line for screen readers and sighted users alike. */
export function statusLine(state: GenerationProgress): string {
  if (state.phase === 'cancelled') return 'Cancelled'
  if (state.phase === 'failed') return `Failed: ${state.error?.error ?? 'the generation stopped'}`
  if (state.phase === 'completed' && state.result) {
    const { status, verification } = state.result
    const verified =
      verification.status === 'skipped'
        ? 'not verified'
        : `verification ${verification.status} (${verification.tests.passed}/${verification.tests.total} tests passed)`
    return `Finished: ${status}, ${verified}`
  }
  const running = STAGE_ORDER.filter((id) => state.stages[id].status === 'running')
  if (running.length === 0) return state.id ? 'Working…' : 'Starting…'
  return `Running: ${running.map((id) => STAGE_LABELS[id]).join(' and ')}…`
}

export const STAGE_LABELS: Record<StageId, string> = {
  code: 'code',
  repairs: 'repairs',
  tests: 'tests',
  docs: 'docs',
  verify: 'verification',
  metrics: 'metrics',
}
