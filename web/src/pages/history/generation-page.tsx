import { useEffect, useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { toApiError, type ApiError } from '../../api/errors.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { Link } from '../../components/link.js'
import { formatCount, formatDate, formatDuration } from '../../lib/format.js'
import { useLoad } from '../../lib/use-load.js'
import { Term, Terms } from '../../components/terms.js'
import { navigate } from '../../router.js'
import { GenerationView } from '../generate/generation-view.js'
import { statusLook } from './listing.js'
import { ConfirmButton } from '../../components/confirm-button.js'
import { StatusBadge, usePageVisible } from './parts.js'
import { NotLoaded } from './not-loaded.js'
import type { GenerationRecord } from '../../api/generation-types.js'
import './history.css'

/** How often a running generation is read again. */
const POLL_MS = 2_000

/**
 * One past generation: its prompt, its facts (language, model, tokens, times), its result as the
 * Generate page shows it, and delete; a running one is read again every few seconds and can be
 * cancelled.
 */
export function GenerationPage(props: { id: string }) {
  const path = `/generations/${encodeURIComponent(props.id)}`
  const loaded = useLoad((signal) => request<GenerationRecord>(path, { signal }), path)
  const { data: record, reload } = loaded
  const [actionFailure, setActionFailure] = useState<ApiError | null>(null)
  const [cancelling, setCancelling] = useState(false)
  const visible = usePageVisible()
  const live = record ? statusLook(record.status).live : false

  // A running generation (a stream someone else holds open) is read again until it ends.
  useEffect(() => {
    if (!live || !visible) return
    const timer = window.setTimeout(reload, POLL_MS)
    return () => clearTimeout(timer)
  }, [live, visible, record])

  useEffect(() => {
    if (record) document.title = `${record.prompt.slice(0, 40) || 'Generation'} · History · Verigen`
  }, [record?.prompt])

  const cancel = async () => {
    setCancelling(true)
    try {
      const cancelled = await request<GenerationRecord>(`${path}/cancel`, { method: 'POST' })
      loaded.setData(() => cancelled)
      setActionFailure(null)
    } catch (error) {
      setActionFailure(toApiError(error))
      reload()
    } finally {
      setCancelling(false)
    }
  }

  const remove = async () => {
    try {
      await request(path, { method: 'DELETE' })
      navigate('/history')
    } catch (error) {
      setActionFailure(toApiError(error))
    }
  }

  if (!record) {
    return (
      <NotLoaded
        noun="Generation"
        id={props.id}
        back={{ href: '/history', label: 'History' }}
        error={loaded.error}
        onRetry={reload}
      />
    )
  }

  const request_ = record.request as {
    include_tests?: boolean
    include_docs?: boolean
    options?: Record<string, unknown>
  }
  return (
    <section class="generation stack">
      <div>
        <Link href="/history" class="back-link">
          ← History
        </Link>
        <div class="title-row">
          <h1>Generation</h1>
          <span role="status" aria-live="polite">
            <StatusBadge status={record.status} />
          </span>
          <div class="row">
            {live && (
              <button
                type="button"
                class="button secondary"
                disabled={cancelling}
                onClick={() => void cancel()}
              >
                {cancelling ? 'Cancelling…' : 'Cancel'}
              </button>
            )}
            <ConfirmButton
              label="Delete"
              subject="this generation"
              question="Delete this generation?"
              confirmLabel="Yes, delete"
              onConfirm={remove}
            />
          </div>
        </div>
        {actionFailure && <ErrorNotice error={actionFailure} />}
      </div>

      <div class="card stack">
        <h2 class="visually-hidden">Prompt</h2>
        <p class="prompt-text">{record.prompt}</p>
        <Terms>
          <Term term="Language">{record.programming_language}</Term>
          <Term term="Model">{record.model ?? '—'}</Term>
          <Term term="Provider">{record.provider ?? '—'}</Term>
          <Term term="Created">{formatDate(record.created_at)}</Term>
          <Term term="Duration">{formatDuration(record.duration_ms)}</Term>
          <Term term="Tokens">{`${formatCount(record.usage.total_tokens)} (${formatCount(record.usage.prompt_tokens)} in, ${formatCount(record.usage.completion_tokens)} out; ${record.usage.llm_calls} calls)`}</Term>
          <Term term="Asked for">
            {[
              'code',
              request_.include_tests !== false ? 'tests' : null,
              request_.include_docs !== false ? 'docs' : null,
              request_.options?.verify === false ? null : 'verification',
            ]
              .filter(Boolean)
              .join(', ')}
          </Term>
          <Term term="Id" wide>
            <code>{record.id}</code>
          </Term>
        </Terms>
        {record.error && (
          <p class="notice">
            <strong>{statusLook(record.status).label}:</strong> {record.error}
          </p>
        )}
      </div>

      {record.result ? (
        <GenerationView result={record.result} />
      ) : (
        <p class="notice">
          {live
            ? 'Still running: the result appears here when it is done.'
            : 'There is no result: the generation ended before it had one.'}
        </p>
      )}
    </section>
  )
}
