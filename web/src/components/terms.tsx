import type { ComponentChildren } from 'preact'

/**
 * A list of terms and their values (a `<dl>`) in columns that wrap; `boxed` puts each in a box,
 * for key figures.
 */
export function Terms(props: { boxed?: boolean; children: ComponentChildren }) {
  return <dl class={props.boxed ? 'terms boxed' : 'terms'}>{props.children}</dl>
}

/** One term of `Terms` and its value; a `wide` one (an id) gets a row of its own. */
export function Term(props: { term: string; wide?: boolean; children: ComponentChildren }) {
  return (
    <div class={props.wide ? 'wide' : undefined}>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </div>
  )
}
