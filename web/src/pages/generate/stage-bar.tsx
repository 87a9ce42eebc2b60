import { formatDuration } from '../../lib/format.js'
import {
  STAGE_LABELS,
  type GenerationProgress,
  type StageId,
  type StageState,
} from './generation-state.js'

const STATUS_WORDS: Record<StageState['status'], string> = {
  pending: 'waiting',
  running: 'running',
  done: 'done',
  failed: 'failed',
  skipped: 'not run',
}

const MARKS: Record<StageState['status'], string> = {
  pending: '○',
  running: '◐',
  done: '✓',
  failed: '✗',
  skipped: '–',
}

function Stage(props: { id: StageId; stage: StageState; now: number }) {
  const { stage } = props
  const elapsed =
    stage.status === 'running' && stage.startedAt !== null
      ? Math.max(stage.elapsedMs ?? 0, props.now - stage.startedAt)
      : stage.elapsedMs
  return (
    <li class={`stage stage-${stage.status}`}>
      <span class="stage-name">
        <span class="stage-mark" aria-hidden="true">
          {MARKS[stage.status]}
        </span>{' '}
        {STAGE_LABELS[props.id]}
      </span>
      <span class="stage-status small">
        {STATUS_WORDS[stage.status]}
        {elapsed !== null && stage.status !== 'pending' ? ` · ${formatDuration(elapsed)}` : ''}
      </span>
      {stage.note && (
        <span class="stage-note small muted" title={stage.note}>
          {stage.note}
        </span>
      )}
    </li>
  )
}

/**
 * The stages of a generation in their order: code, then its repairs, then tests and docs side
 * by side, then the verification rounds, then metrics; each with its state and time.
 */
export function StageBar(props: { progress: GenerationProgress; now: number }) {
  const { stages } = props.progress
  return (
    <ol class="stage-bar" aria-label="Stages">
      <Stage id="code" stage={stages.code} now={props.now} />
      <Stage id="repairs" stage={stages.repairs} now={props.now} />
      <li class="stage-parallel">
        <ol aria-label="Tests and docs, side by side">
          <Stage id="tests" stage={stages.tests} now={props.now} />
          <Stage id="docs" stage={stages.docs} now={props.now} />
        </ol>
      </li>
      <Stage id="verify" stage={stages.verify} now={props.now} />
      <Stage id="metrics" stage={stages.metrics} now={props.now} />
    </ol>
  )
}
