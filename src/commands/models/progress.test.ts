import { describe, expect, it } from 'vitest'
import { DownloadProgress, formatBytes } from './progress.js'

/** Carriage return and erase-line: the line is redrawn in place. */
const CLEAR_LINE = '\r\x1b[K'

function stream(isTTY: boolean) {
  const writes: string[] = []
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } as never }
}

describe('DownloadProgress', () => {
  it('writes a plain line per 10 % when stderr is not a terminal', () => {
    const { writes, stream: out } = stream(false)
    const progress = new DownloadProgress(out)
    for (let received = 0; received <= 1000; received += 7)
      progress.update({ received, total: 1000, resumedFrom: 0 })
    progress.update({ received: 1000, total: 1000, resumedFrom: 0 })
    progress.end()
    expect(writes).toEqual(
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map(
        (percent) => `verigen models pull: ${percent}% of 1.0 kB\n`,
      ),
    )
  })

  it('writes a line per 100 MB when the size is unknown', () => {
    const { writes, stream: out } = stream(false)
    const progress = new DownloadProgress(out)
    for (let received = 0; received <= 250e6; received += 1e6)
      progress.update({ received, total: null, resumedFrom: 0 })
    expect(writes).toEqual(
      ['0 B', '100.0 MB', '200.0 MB'].map((n) => `verigen models pull: ${n}\n`),
    )
  })

  it('redraws one line in place on a terminal, and always shows the last state', () => {
    const { writes, stream: out } = stream(true)
    const progress = new DownloadProgress(out)
    for (let received = 0; received < 5000; received += 1)
      progress.update({ received, total: 5000, resumedFrom: 0 })
    progress.update({ received: 5000, total: 5000, resumedFrom: 0 })
    progress.end()
    const redrawn = writes.slice(0, -1)
    expect(redrawn.every((line) => line.startsWith(CLEAR_LINE))).toBe(true)
    expect(redrawn[0]!.slice(CLEAR_LINE.length)).toMatch(/^ {2}0% 0 B \/ 5\.0 kB {2}.*\/s {2}ETA /)
    expect(redrawn.at(-1)!.slice(CLEAR_LINE.length)).toMatch(/^100% 5\.0 kB \/ 5\.0 kB /)
    expect(writes.at(-1)).toBe('\n')
  })
})

describe('formatBytes', () => {
  it('uses decimal units', () => {
    expect([999, 1000, 1_500_000, 1_120_000_000].map(formatBytes)).toEqual([
      '999 B',
      '1.0 kB',
      '1.5 MB',
      '1.1 GB',
    ])
  })
})
