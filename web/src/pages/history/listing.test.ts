import { describe, expect, it } from 'vitest'
import { promptPreview, readFilters, statusLook } from './listing.js'
import { GENERATION_STATUSES } from '../../api/generation-types.js'

describe('statusLook', () => {
  it('names every status in words, and says which ones still change', () => {
    expect(statusLook('completed')).toEqual({ label: 'Completed', tone: 'ok', live: false })
    expect(statusLook('partial').tone).toBe('warn')
    expect(statusLook('interrupted').tone).toBe('danger')
    expect(statusLook('running').live).toBe(true)
    expect(statusLook('queued').live).toBe(true)
    expect(statusLook('whatever')).toEqual({ label: 'whatever', tone: 'neutral', live: false })
  })
})

describe('readFilters', () => {
  it('reads the filters and paging from the query', () => {
    const query = new URLSearchParams(
      'language=python&status=failed&q=add&user=alice&limit=50&cursor=abc_9-Z',
    )
    expect(readFilters(query, GENERATION_STATUSES)).toEqual({
      language: 'python',
      status: 'failed',
      q: 'add',
      user: 'alice',
      limit: 50,
      cursor: 'abc_9-Z',
    })
  })

  it('drops what the API would refuse', () => {
    const query = new URLSearchParams('status=bogus&limit=7&cursor=a%20b')
    expect(readFilters(query, GENERATION_STATUSES)).toMatchObject({
      status: '',
      limit: 20,
      cursor: '',
    })
    expect(readFilters(new URLSearchParams(), ['queued']).limit).toBe(20)
  })
})

describe('promptPreview', () => {
  it('keeps one line and cuts long prompts', () => {
    expect(promptPreview('two\n  lines')).toBe('two lines')
    const cut = promptPreview('x'.repeat(200), 20)
    expect(cut).toHaveLength(20)
    expect(cut.endsWith('…')).toBe(true)
  })
})
