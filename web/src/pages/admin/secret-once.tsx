import { CopyButton } from '../../components/copy-button.js'

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
