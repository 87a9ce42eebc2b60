import type { HalsteadCounts } from '../profiles/profile.js'
import type { HalsteadReport } from '../../schemas/analysis.js'

// The shape is the API's (src/schemas/analysis.ts); the type follows from it.
export type { HalsteadReport }

const round = (value: number) => Math.round(value * 1e6) / 1e6

export function halsteadReport({ n1, n2, N1, N2 }: HalsteadCounts): HalsteadReport {
  const vocabulary = n1 + n2
  const length = N1 + N2
  const calculatedLength = n1 > 0 && n2 > 0 ? n1 * Math.log2(n1) + n2 * Math.log2(n2) : 0
  const volume = vocabulary > 0 ? length * Math.log2(vocabulary) : 0
  const difficulty = n2 > 0 ? (n1 / 2) * (N2 / n2) : 0
  const effort = difficulty * volume
  return {
    n1,
    n2,
    N1,
    N2,
    vocabulary,
    length,
    calculated_length: round(calculatedLength),
    volume: round(volume),
    difficulty: round(difficulty),
    effort: round(effort),
    time: round(effort / 18),
    bugs: round(volume / 3000),
  }
}
