import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { request, send } from '../../api/client.js'
import { toApiError } from '../../api/errors.js'
import type { GenerateRequest } from '../../api/generation-types.js'
import { readEvents } from '../../api/sse.js'
import {
  cancelProgress,
  initialProgress,
  parseGenerationEvent,
  reduceProgress,
  type GenerationProgress,
} from './generation-state.js'

export interface GenerationRun {
  progress: GenerationProgress | null
  now: number
  running: boolean
  start: (body: GenerateRequest) => void
  cancel: () => void
}

/**
 * One streamed generation at a time over POST /api/generate/stream: its events folded into a
 * `GenerationProgress`, a clock ticking while it runs, and cancel (the fetch is aborted, which
 * the server takes as leaving, and the generation is cancelled by id as well).
 */
export function useGenerationRun(): GenerationRun {
  const [progress, setProgress] = useState<GenerationProgress | null>(null)
  const [now, setNow] = useState(Date.now())
  const controller = useRef<AbortController | null>(null)
  const current = useRef<GenerationProgress | null>(null)
  const running = progress?.phase === 'running'

  const update = (next: GenerationProgress) => {
    current.current = next
    setProgress(next)
  }

  useEffect(() => {
    if (!running) return
    const timer = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(timer)
  }, [running])

  // Leaving the page stops the stream; the server then cancels the generation.
  useEffect(() => () => controller.current?.abort(), [])

  const start = useCallback((body: GenerateRequest) => {
    controller.current?.abort()
    const abort = new AbortController()
    controller.current = abort
    update(initialProgress())
    setNow(Date.now())
    void (async () => {
      try {
        const response = await send('/generate/stream', {
          method: 'POST',
          body,
          signal: abort.signal,
          headers: { accept: 'text/event-stream' },
        })
        for await (const message of readEvents(response)) {
          if (abort.signal.aborted) return
          const event = parseGenerationEvent(message.event, message.data)
          if (!event || !current.current) continue
          update(reduceProgress(current.current, event, Date.now()))
        }
        if (current.current?.phase === 'running' && !abort.signal.aborted) {
          update(
            reduceProgress(
              current.current,
              {
                type: 'error',
                data: {
                  error: 'Stream ended',
                  detail: 'The connection closed before the generation finished.',
                  status_code: 0,
                  code: 'CLIENT_STREAM_ENDED',
                },
              },
              Date.now(),
            ),
          )
        }
      } catch (error) {
        if (abort.signal.aborted || !current.current) return
        update(
          reduceProgress(
            current.current,
            { type: 'error', data: toApiError(error).body },
            Date.now(),
          ),
        )
      } finally {
        setNow(Date.now())
      }
    })()
  }, [])

  const cancel = useCallback(() => {
    const state = current.current
    controller.current?.abort()
    controller.current = null
    if (!state || state.phase !== 'running') return
    if (state.id) {
      void request(`/generations/${encodeURIComponent(state.id)}/cancel`, { method: 'POST' }).catch(
        () => undefined,
      )
    }
    update(cancelProgress(state))
  }, [])

  return { progress, now, running, start, cancel }
}
