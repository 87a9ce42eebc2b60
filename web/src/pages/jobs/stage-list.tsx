import { formatDuration } from '../../lib/format.js'
import { STAGE_LABELS, STAGES, type JobProgress, type StageState } from './progress.js'

const STATE_WORDS: Record<StageState, string> = {
  waiting: 'Waiting',
  running: 'Running',
  done: 'Done',
  skipped: 'Skipped',
  failed: 'Failed',
}

const STATE_MARKS: Record<StageState, string> = {
  waiting: '○',
  running: '◔',
  done: '✓',
  skipped: '–',
  failed: '✕',
}

/**
 * The stages of a job's run (code → tests ∥ docs → verification → metrics), each with its state
 * in words, its time and a note. Times come from the result once there is one, else from when
 * the events arrived.
 */
export function StageList(props: {
  progress: JobProgress
  timings?: Record<string, number> | null
  now: number
}) {
  const { progress, timings, now } = props
  return (
    <ol class="stages" aria-label="Stages">
      {STAGES.map((stage) => {
        const state = progress.stages[stage]
        const measured = timings?.[stage]
        const elapsed =
          measured ?? (state.startedAt === null ? null : (state.endedAt ?? now) - state.startedAt)
        return (
          <li key={stage} class={state.state}>
            <div class="stage-name">{STAGE_LABELS[stage]}</div>
            <div class="small">
              <span aria-hidden="true">{STATE_MARKS[state.state]} </span>
              {STATE_WORDS[state.state]}
              {elapsed !== null && state.state !== 'waiting' && ` · ${formatDuration(elapsed)}`}
            </div>
            {state.note && <div class="small muted">{state.note}</div>}
          </li>
        )
      })}
    </ol>
  )
}
