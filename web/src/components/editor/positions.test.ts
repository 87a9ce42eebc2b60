import { describe, expect, it } from 'vitest'
import { lineRange, linesOf, offsetOf, rangeOf } from './positions.js'

const CODE = 'def f(:\n  return 1\n'
const doc = linesOf(CODE)

describe('linesOf', () => {
  it('counts lines like an editor does (a trailing newline starts an empty line)', () => {
    expect(doc.lines).toBe(3)
    expect(doc.line(1)).toEqual({ from: 0, to: 7 })
    expect(doc.line(2)).toEqual({ from: 8, to: 18 })
    expect(doc.line(3)).toEqual({ from: 19, to: 19 })
    expect(linesOf('').lines).toBe(1)
  })
})

describe('offsetOf', () => {
  it('converts 1-based line and column', () => {
    expect(offsetOf(doc, 1, 1)).toBe(0)
    expect(offsetOf(doc, 1, 7)).toBe(6)
    expect(CODE[offsetOf(doc, 2, 3)]).toBe('r')
  })

  it('clamps to the line and the document', () => {
    expect(offsetOf(doc, 1, 99)).toBe(7)
    expect(offsetOf(doc, 0, 0)).toBe(0)
    expect(offsetOf(doc, 99, 5)).toBe(19)
    expect(offsetOf(doc, -3, -3)).toBe(0)
    expect(offsetOf(doc, Number.NaN, Number.NaN)).toBe(0)
  })
})

describe('rangeOf', () => {
  it('spans start to end when the end is after the start', () => {
    expect(rangeOf(doc, { line: 2, column: 3, end_line: 2, end_column: 9 })).toEqual({
      from: 10,
      to: 16,
    })
  })

  it('marks one character for a point', () => {
    expect(rangeOf(doc, { line: 1, column: 7, end_line: 1, end_column: 7 })).toEqual({
      from: 6,
      to: 7,
    })
    expect(rangeOf(doc, { line: 2, column: 1 })).toEqual({ from: 8, to: 9 })
  })

  it('marks the character before a point at the end of a line', () => {
    expect(rangeOf(doc, { line: 1, column: 8 })).toEqual({ from: 6, to: 7 })
  })

  it('answers an empty range on an empty line, never throwing', () => {
    expect(rangeOf(doc, { line: 3, column: 1 })).toEqual({ from: 19, to: 19 })
    expect(rangeOf(doc, { line: 50, column: 50, end_line: 1, end_column: 1 })).toEqual({
      from: 19,
      to: 19,
    })
  })
})

describe('lineRange', () => {
  it('answers the line, clamped', () => {
    expect(lineRange(doc, 2)).toEqual({ from: 8, to: 18 })
    expect(lineRange(doc, 40)).toEqual({ from: 19, to: 19 })
  })
})
