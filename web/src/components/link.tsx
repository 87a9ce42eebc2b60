import type { ComponentChildren } from 'preact'
import { linkHandler } from '../router.js'

/** A link to a page of the UI: a real `<a href>` (open in a new tab works), without a reload. */
export function Link(props: { href: string; class?: string; children: ComponentChildren }) {
  return (
    <a href={props.href} class={props.class} onClick={linkHandler(props.href)}>
      {props.children}
    </a>
  )
}
