import { describe, expect, it } from 'vitest'
import { detailText, formatCount, formatTime } from './format.js'

describe('format', () => {
  it('writes an audit detail as key: value pairs', () => {
    expect(detailText({ name: 'alice', admin: false, keys: ['a'] })).toBe(
      'name: alice, admin: false, keys: ["a"]',
    )
    expect(detailText({})).toBe('')
  })

  it('keeps an unreadable time as it is', () => {
    expect(formatTime('later')).toBe('later')
  })

  it('separates thousands', () => {
    expect(formatCount(1234567)).toBe('1,234,567')
  })
})
