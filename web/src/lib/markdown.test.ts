import { describe, expect, it } from 'vitest'
import { isSafeHref, renderMarkdown } from './markdown.js'

describe('renderMarkdown', () => {
  it('renders ordinary Markdown', async () => {
    const html = await renderMarkdown('# Title\n\nSome *text* and `code`.\n\n- one\n- two\n')
    expect(html).toContain('<h1>Title</h1>')
    expect(html).toContain('<em>text</em>')
    expect(html).toContain('<code>code</code>')
    expect(html).toContain('<li>one</li>')
  })

  it('shows raw HTML blocks and inline tags as text', async () => {
    const html = await renderMarkdown('<script>alert(1)</script>\n\nhi <b onclick="x()">b</b>\n')
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/<b[\s>]/i)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&lt;b onclick=&quot;x()&quot;&gt;')
  })

  it('never lets an img with onerror or an iframe through', async () => {
    const html = await renderMarkdown(
      'x <img src=x onerror="alert(1)"> y\n\n<iframe src="https://evil.example"></iframe>\n',
    )
    expect(html).not.toMatch(/<img/i)
    expect(html).not.toMatch(/<iframe/i)
    expect(html).toContain('&lt;iframe')
  })

  it('drops javascript: and data: links, keeping their text', async () => {
    const html = await renderMarkdown(
      '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html,x) [d](java\tscript:x)\n',
    )
    expect(html).not.toMatch(/<a /)
    expect(html).not.toMatch(/href/)
    expect(html).toContain('a')
  })

  it('keeps http, https, mailto and relative links with a rel', async () => {
    const html = await renderMarkdown(
      '[a](https://example.com/x?y=1&z=2) [b](mailto:me@example.com) [c](./doc.md)\n',
    )
    expect(html).toContain(
      '<a href="https://example.com/x?y=1&amp;z=2" rel="noopener noreferrer nofollow">a</a>',
    )
    expect(html).toContain('href="mailto:me@example.com"')
    expect(html).toContain('href="./doc.md"')
  })

  it('does not load images, showing their alt text', async () => {
    const html = await renderMarkdown('![a <b>chart</b>](https://tracker.example/p.png)\n')
    expect(html).not.toMatch(/<img/i)
    expect(html).not.toContain('tracker.example')
    expect(html).toContain('[image: a')
  })

  it('escapes HTML inside code spans and code blocks', async () => {
    const html = await renderMarkdown(
      '`<script>x</script>`\n\n```html\n<img src=x onerror=y>\n```\n',
    )
    expect(html).toContain('<code>&lt;script&gt;x&lt;/script&gt;</code>')
    expect(html).toContain('&lt;img src=x onerror=y&gt;')
    expect(html).not.toMatch(/<img|<script/i)
  })

  it('escapes quotes in titles so attributes cannot be broken out of', async () => {
    const html = await renderMarkdown('[a](https://example.com "x\\" onmouseover=\\"alert(1)")\n')
    expect(html).not.toMatch(/" onmouseover=/)
    expect(html).toContain('title="x&quot; onmouseover=&quot;alert(1)"')
  })
})

describe('isSafeHref', () => {
  it('accepts http, https, mailto and relative targets only', () => {
    expect(isSafeHref('https://a.example')).toBe(true)
    expect(isSafeHref('HTTP://a.example')).toBe(true)
    expect(isSafeHref('mailto:x@y.z')).toBe(true)
    expect(isSafeHref('/path')).toBe(true)
    expect(isSafeHref('#anchor')).toBe(true)
    expect(isSafeHref('javascript:alert(1)')).toBe(false)
    expect(isSafeHref(' javascript:alert(1)')).toBe(false)
    expect(isSafeHref('vbscript:x')).toBe(false)
    expect(isSafeHref('data:text/html,x')).toBe(false)
  })
})
