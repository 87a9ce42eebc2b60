import { useEffect, useState } from 'preact/hooks'

/**
 * A button that copies `text` to the clipboard and says "Copied" for a moment (or that copying
 * failed: the clipboard needs a secure context and the user's permission).
 */
export function CopyButton(props: { text: string; label: string; disabled?: boolean }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')

  useEffect(() => {
    if (state === 'idle') return
    const timer = setTimeout(() => setState('idle'), 2000)
    return () => clearTimeout(timer)
  }, [state])

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text)
      setState('copied')
    } catch {
      setState('failed')
    }
  }

  return (
    <span class="copy-button">
      <button
        type="button"
        class="button secondary small"
        disabled={props.disabled}
        onClick={() => void copy()}
      >
        {props.label}
      </button>
      <span role="status" class="small muted">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy' : ''}
      </span>
    </span>
  )
}
