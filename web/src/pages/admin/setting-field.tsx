import type { ComponentChildren } from 'preact'

interface ControlProps {
  id: string
  'aria-invalid'?: 'true'
  'aria-describedby': string
}

/** What every setting's field is told: where its value lives, its error, default and reset. */
export interface SettingState {
  path: string
  error: string | undefined
  overridden: boolean
  defaultText: string
  busy: boolean
  onReset: () => void
}

/** One setting: label, control, what it means, its default, whether it is stored, a reset. */
export function SettingField(
  props: SettingState & {
    id: string
    label: string
    hint?: string
    checkbox?: boolean
    onReset: () => void
    children: (props: ControlProps) => ComponentChildren
  },
) {
  const described = `${props.id}-about`
  const control = props.children({
    id: props.id,
    'aria-invalid': props.error ? 'true' : undefined,
    'aria-describedby': props.error ? `${props.id}-error ${described}` : described,
  })
  return (
    <div class="field setting-field">
      {props.checkbox ? (
        <span class="check">
          {control}
          <label for={props.id}>{props.label}</label>
        </span>
      ) : (
        <>
          <label for={props.id}>{props.label}</label>
          {control}
        </>
      )}
      {props.error && (
        <span id={`${props.id}-error`} class="field-error">
          {props.error}
        </span>
      )}
      <span id={described} class="hint small">
        {props.hint ? `${props.hint} ` : ''}Environment default: {props.defaultText}.
      </span>
      <span class="row small">
        <OverrideState
          name={props.label}
          overridden={props.overridden}
          busy={props.busy}
          onReset={props.onReset}
        />
      </span>
    </div>
  )
}

/** A setting typed into one text box: text, or a whole number (`numeric`). */
export function TextSetting(
  props: SettingState & {
    id: string
    label: string
    hint?: string
    value: string
    numeric?: boolean
    onText: (value: string) => void
  },
) {
  const { value, numeric, onText, ...field } = props
  return (
    <SettingField {...field}>
      {(control) => (
        <input
          {...control}
          inputMode={numeric ? 'numeric' : undefined}
          value={value}
          onInput={(event) => onText(event.currentTarget.value)}
        />
      )}
    </SettingField>
  )
}

/** Whether a setting is stored here ("Overridden", with a reset) or the environment's default. */
export function OverrideState(props: {
  /** The setting, for the reset button's accessible name. */
  name: string
  overridden: boolean
  busy: boolean
  onReset: () => void
}) {
  if (!props.overridden) return <span class="badge">Environment default</span>
  return (
    <>
      <span class="badge warn">Overridden</span>
      <button
        type="button"
        class="button small"
        disabled={props.busy}
        aria-label={`Reset to default: ${props.name}`}
        onClick={props.onReset}
      >
        Reset to default
      </button>
    </>
  )
}
