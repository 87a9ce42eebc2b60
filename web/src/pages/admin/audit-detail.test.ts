import { describe, expect, it } from 'vitest'
import { detailText } from './audit-detail.js'

describe('detailText', () => {
  it('writes an audit detail as key: value pairs', () => {
    expect(detailText({ name: 'alice', admin: false, keys: ['a'] })).toBe(
      'name: alice, admin: false, keys: ["a"]',
    )
    expect(detailText({})).toBe('')
  })
})
