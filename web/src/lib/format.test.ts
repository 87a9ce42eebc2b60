import { describe, expect, it } from 'vitest'
import { formatBytes, formatCount, formatDate, formatDuration, formatRelative } from './format.js'

describe('formatDuration', () => {
  it('says milliseconds, seconds, minutes and hours', () => {
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(1000)).toBe('1 s')
    expect(formatDuration(1839)).toBe('1.8 s')
    expect(formatDuration(42_400)).toBe('42 s')
    expect(formatDuration(125_000)).toBe('2 min 5 s')
    expect(formatDuration(120_000)).toBe('2 min')
    expect(formatDuration(3_780_000)).toBe('1 h 3 min')
    expect(formatDuration(7_200_000)).toBe('2 h')
  })

  it('answers a dash for what is unknown', () => {
    expect(formatDuration(null)).toBe('—')
    expect(formatDuration(undefined)).toBe('—')
    expect(formatDuration(-1)).toBe('—')
    expect(formatDuration(Number.NaN)).toBe('—')
  })
})

describe('formatRelative', () => {
  const now = Date.parse('2026-11-30T12:00:00Z')

  it('says how long ago', () => {
    expect(formatRelative('2026-11-30T11:59:40Z', now)).toBe('just now')
    expect(formatRelative('2026-11-30T11:55:00Z', now)).toBe('5 minutes ago')
    expect(formatRelative('2026-11-30T09:00:00Z', now)).toBe('3 hours ago')
    expect(formatRelative('2026-11-29T12:00:00Z', now)).toBe('yesterday')
    expect(formatRelative('2026-11-16T12:00:00Z', now)).toBe('2 weeks ago')
    expect(formatRelative('2024-11-30T12:00:00Z', now)).toBe('2 years ago')
  })

  it('says the future too, and a dash or the text for what is not a date', () => {
    expect(formatRelative('2026-11-30T12:10:00Z', now)).toBe('in 10 minutes')
    expect(formatRelative(null, now)).toBe('—')
    expect(formatRelative('soon', now)).toBe('soon')
  })
})

describe('formatDate', () => {
  it('formats a timestamp with its date and time', () => {
    const text = formatDate('2026-11-30T15:04:00Z', 'en-GB')
    expect(text).toMatch(/2026/)
    expect(text).toMatch(/Nov/)
  })

  it('answers a dash when unset and the text when not a date', () => {
    expect(formatDate(null)).toBe('—')
    expect(formatDate('nonsense')).toBe('nonsense')
  })
})

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(1024 * 1024)).toBe('1 MiB')
    expect(formatBytes(12.4 * 1024 * 1024)).toBe('12 MiB')
    expect(formatBytes(-3)).toBe('—')
  })
})

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(12345)).toBe('12,345')
    expect(formatCount(null)).toBe('—')
  })
})
