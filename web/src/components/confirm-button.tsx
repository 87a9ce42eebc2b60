import { useLayoutEffect, useRef, useState } from 'preact/hooks'

/**
 * A destructive action in two steps, all by keyboard: the button asks, then "Yes, …" and
 * "Cancel" appear with the focus on Cancel, so one stray Enter changes nothing (Escape cancels
 * too); when it is over, the focus goes back to the first button.
 */
export function ConfirmButton(props: {
  /** The first button, e.g. "Delete". */
  label: string
  /** Names what is acted on, for the accessible names ("Delete alice"). */
  subject: string
  /** The question, e.g. "Delete alice and their keys?" */
  question: string
  /** The button that acts, e.g. "Yes, delete". */
  confirmLabel: string
  onConfirm: () => void | Promise<void>
  disabled?: boolean
  /** The smaller buttons of a table row. */
  small?: boolean
}) {
  const [asking, setAsking] = useState(false)
  const [busy, setBusy] = useState(false)
  const cancelRef = useRef<HTMLButtonElement>(null)
  const openRef = useRef<HTMLButtonElement>(null)
  const wasAsking = useRef(false)
  const size = props.small ? ' small' : ''

  // Before paint, so a key pressed right after lands on the newly focused button.
  useLayoutEffect(() => {
    if (asking) cancelRef.current?.focus()
    else if (wasAsking.current) openRef.current?.focus()
    wasAsking.current = asking
  }, [asking])

  if (!asking) {
    return (
      <button
        ref={openRef}
        type="button"
        class={`button danger${size}`}
        aria-label={`${props.label} ${props.subject}`}
        disabled={props.disabled}
        onClick={() => setAsking(true)}
      >
        {props.label}
      </button>
    )
  }
  return (
    <span
      class="confirm row"
      role="group"
      aria-label={props.question}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && !busy) setAsking(false)
      }}
    >
      <span class="small">{props.question}</span>
      <button
        type="button"
        class={`button danger${size}`}
        disabled={busy}
        onClick={() => {
          setBusy(true)
          void Promise.resolve(props.onConfirm()).finally(() => {
            setBusy(false)
            setAsking(false)
          })
        }}
      >
        {props.confirmLabel}
      </button>
      <button
        ref={cancelRef}
        type="button"
        class={`button secondary${size}`}
        disabled={busy}
        onClick={() => setAsking(false)}
      >
        Cancel
      </button>
    </span>
  )
}
