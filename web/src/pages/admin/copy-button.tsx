import { useState } from 'preact/hooks'

/** Copies `text` to the clipboard and says so (politely) for screen readers too. */
export function CopyButton(props: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text)
      setState('copied')
    } catch {
      setState('failed')
    }
  }
  return (
    <>
      <button type="button" class="button small" onClick={() => void copy()}>
        {props.label}
      </button>
      <span class="small muted" aria-live="polite">
        {state === 'copied' ? 'Copied.' : state === 'failed' ? 'Copy failed: select the text.' : ''}
      </span>
    </>
  )
}

/** A secret shown once (a generated password, a new API key), with a copy button. */
export function SecretOnce(props: { title: string; secret: string; onDone: () => void }) {
  return (
    <div class="notice secret-once" role="status">
      <p>
        <strong>{props.title}</strong> It is shown this once: copy it now.
      </p>
      <p class="row">
        <code class="secret-value">{props.secret}</code>
        <CopyButton text={props.secret} label="Copy" />
      </p>
      <button type="button" class="button small" onClick={props.onDone}>
        I have copied it
      </button>
    </div>
  )
}
