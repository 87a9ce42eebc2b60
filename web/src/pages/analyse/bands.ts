/** A labelled part of a 0–100 scale. */
export interface Band {
  label: string
  /** Inclusive lower bound. */
  from: number
  /** Exclusive upper bound (100 is included in the last band). */
  to: number
  tone: 'danger' | 'warn' | 'ok'
}

/**
 * Maintainability index ranks as the API gives them (docs/analysis.md, radon's `mi`): A above
 * 19, B 10–19, C 9 and below.
 */
export const MAINTAINABILITY_BANDS: Band[] = [
  { label: 'C: hard to maintain', from: 0, to: 10, tone: 'danger' },
  { label: 'B: moderate', from: 10, to: 20, tone: 'warn' },
  { label: 'A: maintainable', from: 20, to: 100, tone: 'ok' },
]

/**
 * The readability score (0–100, a weighted mean of six parts) has no rank in the API; the page
 * reads it in three bands.
 */
export const READABILITY_BANDS: Band[] = [
  { label: 'Hard to read', from: 0, to: 50, tone: 'danger' },
  { label: 'Fair', from: 50, to: 75, tone: 'warn' },
  { label: 'Readable', from: 75, to: 100, tone: 'ok' },
]

/** The band a score falls in; scores outside 0–100 fall in the nearest end band. */
export function bandOf(score: number, bands: readonly Band[]): Band {
  const first = bands[0]
  const last = bands[bands.length - 1]
  if (!first || !last) throw new Error('no bands')
  if (!(score >= first.from)) return first
  return bands.find((band) => score >= band.from && score < band.to) ?? last
}

/** A score as a percentage of the 0–100 scale, clamped, for drawing a marker. */
export function percentOf(score: number): number {
  if (!Number.isFinite(score)) return 0
  return Math.min(Math.max(score, 0), 100)
}
