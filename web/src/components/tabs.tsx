import type { ComponentChildren } from 'preact'
import { useId, useRef, useState } from 'preact/hooks'

export interface TabItem {
  id: string
  label: ComponentChildren
  /** The panel's content, rendered only while its tab is selected. */
  content: () => ComponentChildren
}

export interface TabsProps {
  /** The accessible name of the tab list. */
  label: string
  tabs: TabItem[]
  /** The selected tab's id when the parent controls it; else the component keeps its own. */
  selected?: string
  onSelect?: (id: string) => void
}

/**
 * Tabs as the ARIA pattern describes them: a `tablist` of `tab` buttons, one `tabpanel`; the
 * arrow keys, Home and End move between tabs (and select them), Tab moves into the panel.
 */
export function Tabs(props: TabsProps) {
  const base = useId()
  const [own, setOwn] = useState(props.tabs[0]?.id ?? '')
  const wanted = props.selected ?? own
  const current = props.tabs.find((tab) => tab.id === wanted) ?? props.tabs[0]
  const buttons = useRef<(HTMLButtonElement | null)[]>([])

  const select = (id: string) => {
    setOwn(id)
    props.onSelect?.(id)
  }

  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const count = props.tabs.length
    let next: number | null = null
    if (event.key === 'ArrowRight') next = (index + 1) % count
    else if (event.key === 'ArrowLeft') next = (index - 1 + count) % count
    else if (event.key === 'Home') next = 0
    else if (event.key === 'End') next = count - 1
    if (next === null) return
    event.preventDefault()
    const tab = props.tabs[next]
    if (!tab) return
    select(tab.id)
    buttons.current[next]?.focus()
  }

  return (
    <div class="tabs-container">
      <div class="tabs" role="tablist" aria-label={props.label}>
        {props.tabs.map((tab, index) => {
          const active = tab.id === current?.id
          return (
            <button
              key={tab.id}
              ref={(element) => {
                buttons.current[index] = element
              }}
              type="button"
              role="tab"
              id={`${base}-tab-${tab.id}`}
              aria-selected={active}
              aria-controls={`${base}-panel-${tab.id}`}
              tabIndex={active ? 0 : -1}
              onClick={() => select(tab.id)}
              onKeyDown={(event) => onKeyDown(event, index)}
            >
              {tab.label}
            </button>
          )
        })}
      </div>
      {current && (
        <div
          role="tabpanel"
          id={`${base}-panel-${current.id}`}
          aria-labelledby={`${base}-tab-${current.id}`}
          tabIndex={0}
          class="tab-panel"
        >
          {current.content()}
        </div>
      )}
    </div>
  )
}
