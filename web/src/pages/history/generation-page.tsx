import { useEffect, useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { toApiError, type ApiError } from '../../api/errors.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { Link } from '../../components/link.js'
import { formatCount, formatDate, formatDuration } from '../../lib/format.js'
import { navigate } from '../../router.js'
import { GenerationView } from '../generate/generation-view.js'
import { statusLook } from './listing.js'
import { ConfirmButton } from '../../components/confirm-button.js'
import { Fact, StatusBadge, usePageVisible } from './parts.js'
import type { GenerationRecord } from './types.js'
import './history.css'

/** How often a running generation is read again. */
const POLL_MS = 2_000

/**
 * One past generation: its prompt, its facts (language, model, tokens, times), its result as the
 * Generate page shows it, and delete; a running one is read again every few seconds and can be
 * cancelled.
 */
export function GenerationPage(props: { id: string }) {
  const [record, setRecord] = useState<GenerationRecord | null>(null)
  const [failure, setFailure] = useState<ApiError | null>(null)
  const [actionFailure, setActionFailure] = useState<ApiError | null>(null)
  const [reload, setReload] = useState(0)
  const [cancelling, setCancelling] = useState(false)
  const visible = usePageVisible()
  const path = `/generations/${encodeURIComponent(props.id)}`
  const live = record ? statusLook(record.status).live : false

  useEffect(() => {
    const controller = new AbortController()
    request<GenerationRecord>(path, { signal: controller.signal })
      .then((answer) => {
        setRecord(answer)
        setFailure(null)
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setFailure(toApiError(error))
      })
    return () => controller.abort()
  }, [path, reload])

  // A running generation (a stream someone else holds open) is read again until it ends.
  useEffect(() => {
    if (!live || !visible) return
    const timer = window.setTimeout(() => setReload((value) => value + 1), POLL_MS)
    return () => clearTimeout(timer)
  }, [live, visible, record])

  useEffect(() => {
    if (record) document.title = `${record.prompt.slice(0, 40) || 'Generation'} · History · Verigen`
  }, [record?.prompt])

  const cancel = async () => {
    setCancelling(true)
    try {
      setRecord(await request<GenerationRecord>(`${path}/cancel`, { method: 'POST' }))
      setActionFailure(null)
    } catch (error) {
      setActionFailure(toApiError(error))
      setReload((value) => value + 1)
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

  if (failure && !record) {
    return (
      <section>
        <Link href="/history" class="back-link">
          ← History
        </Link>
        <h1>Generation</h1>
        {failure.status === 404 ? (
          <p class="notice">
            There is no generation <code>{props.id}</code>, or it is not yours. It may have been
            deleted. <Link href="/history">Back to the history</Link>.
          </p>
        ) : (
          <ErrorNotice error={failure} onRetry={() => setReload((value) => value + 1)} />
        )}
      </section>
    )
  }
  if (!record) {
    return (
      <section>
        <h1>Generation</h1>
        <p role="status">Loading the generation…</p>
      </section>
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
        <dl class="facts">
          <Fact term="Language" value={record.programming_language} />
          <Fact term="Model" value={record.model ?? '—'} />
          <Fact term="Provider" value={record.provider ?? '—'} />
          <Fact term="Created" value={formatDate(record.created_at)} />
          <Fact term="Duration" value={formatDuration(record.duration_ms)} />
          <Fact
            term="Tokens"
            value={`${formatCount(record.usage.total_tokens)} (${formatCount(record.usage.prompt_tokens)} in, ${formatCount(record.usage.completion_tokens)} out; ${record.usage.llm_calls} calls)`}
          />
          <Fact
            term="Asked for"
            value={[
              'code',
              request_.include_tests !== false ? 'tests' : null,
              request_.include_docs !== false ? 'docs' : null,
              request_.options?.verify === false ? null : 'verification',
            ]
              .filter(Boolean)
              .join(', ')}
          />
          <Fact term="Id" value={record.id} mono />
        </dl>
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
