import { useMemo, useState } from 'preact/hooks'
import type { GenerationResult } from '../../api/generation-types.js'
import { CodeEditor } from '../../components/code-editor.js'
import { CopyButton } from '../../components/copy-button.js'
import { Markdown } from '../../components/markdown.js'
import { Tabs } from '../../components/tabs.js'
import { zipGeneration } from '../../lib/zip.js'
import { fromResult, stripFence, type GenerationProgress } from './generation-state.js'
import { MetricsPanel } from './metrics-panel.js'
import { StageBar } from './stage-bar.js'
import { VerificationPanel } from './verification-panel.js'
import './generate.css'

export interface GenerationViewProps {
  /** A finished generation (History, Jobs): shown whole. Ignored when `progress` is given. */
  result?: GenerationResult | null
  /**
   * A generation as it runs, from `reduceProgress` over its stream events (Generate, a running
   * job); once its `completed` event arrived it holds the result too.
   */
  progress?: GenerationProgress | null
  /** The language id for highlighting, when there is no result yet to say it. */
  language?: string | null
  /** The current time (Date.now()) for the running stages' clocks; re-render to tick. */
  now?: number
}

const BADGES: Record<string, string> = { completed: 'ok', partial: 'warn', failed: 'danger' }

/**
 * One generation as the Generate page shows it: the stage bar, the tabs Code / Tests / Docs /
 * Metrics / Verification, copy buttons and the zip download. Used live (with `progress`) and
 * for finished generations (with `result`).
 */
export function GenerationView(props: GenerationViewProps) {
  const fallback = useMemo(() => (props.result ? fromResult(props.result) : null), [props.result])
  const progress = props.progress ?? fallback
  const [tab, setTab] = useState('code')
  const [zipError, setZipError] = useState<string | null>(null)
  if (!progress) return null

  const result = progress.result
  const language = result?.programming_language ?? props.language ?? null
  const code = progress.fresh.code ? progress.code : stripFence(progress.code)
  const tests = progress.fresh.tests ? progress.tests : stripFence(progress.tests)
  const docs = progress.fresh.docs ? progress.docs : stripFence(progress.docs)
  const running = progress.phase === 'running'

  const download = async () => {
    if (!result) return
    try {
      const bytes = await zipGeneration(result)
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/zip' }))
      const link = document.createElement('a')
      link.href = url
      link.download = `generation-${result.id.slice(0, 8)}.zip`
      document.body.append(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      setZipError(null)
    } catch {
      setZipError('The zip could not be built in this browser.')
    }
  }

  return (
    <div class="generation-view stack">
      {result && (
        <p class="generation-summary">
          <span class={`badge ${BADGES[result.status] ?? ''}`}>{result.status}</span>{' '}
          <span class="muted small">
            {result.model} · {result.usage.total_tokens} tokens · {result.usage.llm_calls} model
            call{result.usage.llm_calls === 1 ? '' : 's'}
            {result.cached ? ' · from the cache' : ''}
          </span>
        </p>
      )}
      <StageBar progress={progress} now={props.now ?? Date.now()} />
      {result && result.errors.length > 0 && (
        <ul class="notice generation-errors">
          {result.errors.map((error, index) => (
            <li key={index}>
              <strong>{error.stage}:</strong> {error.detail}
            </li>
          ))}
        </ul>
      )}
      <div class="row generation-actions">
        <CopyButton text={code} label="Copy code" disabled={!code} />
        <CopyButton text={tests} label="Copy tests" disabled={!tests} />
        <CopyButton text={docs} label="Copy docs" disabled={!docs} />
        <button
          type="button"
          class="button secondary small"
          disabled={!result}
          onClick={() => void download()}
        >
          Download zip
        </button>
        {zipError && <span class="small">{zipError}</span>}
      </div>
      <Tabs
        label="Result"
        selected={tab}
        onSelect={setTab}
        tabs={[
          {
            id: 'code',
            label: 'Code',
            content: () =>
              code ? (
                <CodeEditor value={code} language={language} label="Generated code" readOnly />
              ) : (
                <p class="muted">{running ? 'Waiting for the code…' : 'No code.'}</p>
              ),
          },
          {
            id: 'tests',
            label: 'Tests',
            content: () =>
              tests ? (
                <>
                  {progress.testsInfo && (
                    <p class="muted small">
                      {progress.testsInfo.filename} · {progress.testsInfo.framework}
                      {progress.testsInfo.syntax_valid ? '' : ' · does not parse'}
                    </p>
                  )}
                  <CodeEditor value={tests} language={language} label="Generated tests" readOnly />
                </>
              ) : (
                <p class="muted">
                  {running ? 'The tests come after the code.' : 'No tests were generated.'}
                </p>
              ),
          },
          {
            id: 'docs',
            label: 'Docs',
            content: () =>
              docs ? (
                <Markdown source={docs} />
              ) : (
                <p class="muted">
                  {running ? 'The docs come after the code.' : 'No docs were generated.'}
                </p>
              ),
          },
          {
            id: 'metrics',
            label: 'Metrics',
            content: () => <MetricsPanel metrics={progress.metrics} />,
          },
          {
            id: 'verification',
            label: 'Verification',
            content: () => (
              <VerificationPanel
                verification={result?.verification ?? null}
                rounds={progress.rounds}
              />
            ),
          },
        ]}
      />
    </div>
  )
}
