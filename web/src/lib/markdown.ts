/**
 * Markdown from a model, made safe to put in the page: raw HTML is shown as text (never passed
 * through), links keep only http(s), mailto and relative targets, and images are never loaded
 * (their alt text is shown instead). `marked` is loaded on first use, outside the first load.
 */
import type { Marked, Tokens } from 'marked'

let parser: Promise<Marked> | null = null

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character)
}

/**
 * Whether a link target may be followed: http, https, mailto, or relative (no scheme). Control
 * characters and whitespace are ignored when looking for a scheme, as browsers ignore them.
 */
export function isSafeHref(href: string): boolean {
  // eslint-disable-next-line no-control-regex
  const compact = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '')
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact)
  if (!scheme) return true
  return ['http', 'https', 'mailto'].includes((scheme[1] ?? '').toLowerCase())
}

async function load(): Promise<Marked> {
  const { Marked } = await import('marked')
  const marked = new Marked({ gfm: true, breaks: false, async: false })
  marked.use({
    renderer: {
      html(token: Tokens.HTML | Tokens.Tag) {
        return escapeHtml(token.text)
      },
      link(
        this: { parser: { parseInline(tokens: Tokens.Generic[]): string } },
        token: Tokens.Link,
      ) {
        const label = this.parser.parseInline(token.tokens)
        if (!isSafeHref(token.href)) return label
        const title = token.title ? ` title="${escapeHtml(token.title)}"` : ''
        return `<a href="${escapeHtml(token.href)}"${title} rel="noopener noreferrer nofollow">${label}</a>`
      },
      image(token: Tokens.Image) {
        const alt = token.text.trim()
        return alt ? `<span class="md-image">[image: ${escapeHtml(alt)}]</span>` : ''
      },
    },
  })
  return marked
}

/** The HTML of `source`, sanitized as the module comment says. */
export async function renderMarkdown(source: string): Promise<string> {
  parser ??= load()
  const marked = await parser
  return marked.parse(source, { async: false })
}
