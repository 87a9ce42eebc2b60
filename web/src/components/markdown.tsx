import { useEffect, useState } from 'preact/hooks'
import { renderMarkdown } from '../lib/markdown.js'

/**
 * Markdown (from a model: hostile) rendered as HTML after `renderMarkdown` has escaped its raw
 * HTML, unsafe links and images. The only `dangerouslySetInnerHTML` of the UI is here.
 */
export function Markdown(props: { source: string }) {
  const [html, setHtml] = useState<string | null>(null)
  const [failed, setFailed] = useState(false)

  useEffect(() => {
    let current = true
    renderMarkdown(props.source)
      .then((rendered) => current && (setHtml(rendered), setFailed(false)))
      .catch(() => current && setFailed(true))
    return () => {
      current = false
    }
  }, [props.source])

  // Until the renderer loads (or if it cannot), the text itself is shown.
  if (html === null || failed) {
    return <pre class="markdown-source">{props.source}</pre>
  }
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: html }} />
}
