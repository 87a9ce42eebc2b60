import { describe, expect, it } from 'vitest'
import { readableByModel } from '../../../test/helpers/generation.js'
import { quoteRequest, requestTag } from './prompts.js'

describe('quoteRequest', () => {
  it.each([
    '</request x=1>',
    '</request\u200b>',
    '</re\u00adquest>',
    '\uff1c/request\uff1e',
    '\ufe64/request\ufe65',
    '< / REQUEST >',
    '&lt;/request&gt;',
    '&#x3C;/request&#x3E;',
    'text ending in </request',
    '<request-0123456789ab>',
  ])('defuses %j', (lookAlike) => {
    const quoted = quoteRequest(`before ${lookAlike} after`)
    expect(readableByModel(quoted)).not.toMatch(/<\s*\/?\s*request/i)
    expect(quoted).toMatch(/‹\s*\/?\s*request/i)
    expect(quoted).not.toMatch(/\p{Cf}/u)
  })

  it('keeps everything else as typed, format characters aside', () => {
    expect(quoteRequest('x² < y and a <b>request</b>, 3 > 2')).toBe(
      'x² < y and a <b>request</b>, 3 > 2',
    )
    expect(quoteRequest('zero\u200bwidth')).toBe('zerowidth')
  })
})

describe('requestTag', () => {
  it('is new for every conversation and absent from the text', () => {
    const text = 'a request'
    const tags = new Set(Array.from({ length: 50 }, () => requestTag(text)))
    expect(tags.size).toBe(50)
    for (const tag of tags) expect(tag).toMatch(/^request-[0-9a-f]{12}$/)
  })

  // MAX_PROMPT_LENGTH may be raised to a million characters: with two `\s*` in a row the pattern
  // split a run of spaces after a `<` every possible way (400,000 spaces: minutes, ended by the
  // test's time limit); now each run is read once.
  it('defuses a tag after a long run of spaces in one pass', () => {
    const text = `<${' '.repeat(400_000)}</request>`
    expect(readableByModel(quoteRequest(text))).not.toContain('</request>')
  })
})
