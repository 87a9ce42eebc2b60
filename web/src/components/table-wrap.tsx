import type { ComponentChildren } from 'preact'

/**
 * The box a table scrolls in on a narrow screen: a named, focusable region, so keyboard users
 * can reach it and scroll it with the arrow keys.
 */
export function TableWrap(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={props.label} tabIndex={0}>
      {props.children}
    </div>
  )
}
