import type { ReadabilityPart, ReadabilityReport } from '../../schemas/analysis.js'

// The shape is the API's (src/schemas/analysis.ts); the type follows from it.
export type { ReadabilityPart, ReadabilityReport }

export interface ReadabilityInput {
  /** Lengths, in characters, of the lines that hold code. */
  codeLineLengths: number[]
  codeLines: number
  commentLines: number
  /** Deepest control-structure nesting of each function. */
  functionNesting: number[]
  /** NLOC of each function. */
  functionLines: number[]
  /** Every identifier spelling and how often it occurs. */
  identifiers: ReadonlyMap<string, number>
  /** Names of the declared functions, methods and classes. */
  declaredNames: string[]
}

const clamp = (value: number) => Math.max(0, Math.min(100, value))
const round = (value: number) => Math.round(value * 10) / 10

/** Short names that are conventional rather than cryptic. */
const CONVENTIONAL_SHORT = new Set([
  'i',
  'j',
  'k',
  'n',
  'x',
  'y',
  'z',
  'id',
  'ok',
  'db',
  'io',
  'os',
  'fs',
  'e',
  '_',
  'fn',
  'cb',
  'T',
  'K',
  'V',
])

type NamingStyle = 'snake' | 'camel' | 'pascal' | 'upper' | 'other'

function namingStyle(name: string): NamingStyle {
  const bare = name.replace(/^_+|_+$/g, '')
  if (/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(bare)) return 'snake'
  if (/^[a-z][a-z0-9]*([A-Z][a-z0-9]*)+$/.test(bare)) return 'camel'
  if (/^[A-Z][a-z0-9]+([A-Z][a-z0-9]*)*$/.test(bare)) return 'pascal'
  if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(bare)) return 'upper'
  return 'other'
}

/**
 * The readability score: a weighted mean of six measurable parts, each 0–100 (docs/analysis.md
 * gives the formula). Deterministic: the same code always scores the same.
 */
export function readability(input: ReadabilityInput): ReadabilityReport {
  const longLines = input.codeLineLengths.filter((length) => length > 100).length
  const longShare = input.codeLines > 0 ? longLines / input.codeLines : 0
  const lineLength = clamp(100 - longShare * 400)

  const deepest = input.functionNesting.length > 0 ? Math.max(...input.functionNesting) : 0
  const nesting = clamp(100 - Math.max(0, deepest - 2) * 20)

  const meanLength =
    input.functionLines.length > 0
      ? input.functionLines.reduce((sum, lines) => sum + lines, 0) / input.functionLines.length
      : 0
  const functionLength = clamp(100 - Math.max(0, meanLength - 20) * (100 / 80))

  let good = 0
  let total = 0
  for (const [name, count] of input.identifiers) {
    total += count
    if (name.length >= 3 || CONVENTIONAL_SHORT.has(name)) good += count
  }
  const identifierShare = total > 0 ? good / total : 1
  const identifierQuality = clamp(identifierShare * 100)

  const commentRatio = input.codeLines > 0 ? input.commentLines / input.codeLines : 0
  const commentDensity =
    commentRatio < 0.1
      ? 40 + commentRatio * 600
      : commentRatio <= 0.4
        ? 100
        : clamp(100 - (commentRatio - 0.4) * 100)

  const styles = new Map<NamingStyle, number>()
  for (const name of input.declaredNames) {
    const style = namingStyle(name)
    // Classes are PascalCase in every convention, so they say nothing about consistency.
    if (style === 'pascal' || style === 'other') continue
    styles.set(style, (styles.get(style) ?? 0) + 1)
  }
  const styled = [...styles.values()].reduce((sum, count) => sum + count, 0)
  const dominant = styled > 0 ? Math.max(...styles.values()) / styled : 1
  const namingConsistency = clamp(dominant * 100)

  const breakdown = {
    line_length: {
      score: round(lineLength),
      weight: 0.15,
      value: round(longShare * 100),
      explanation: '% of code lines longer than 100 characters; each % costs 4 points',
    },
    nesting: {
      score: round(nesting),
      weight: 0.2,
      value: deepest,
      explanation:
        'deepest control-structure nesting in a function; each level beyond 2 costs 20 points',
    },
    function_length: {
      score: round(functionLength),
      weight: 0.2,
      value: round(meanLength),
      explanation: 'mean function NLOC; 100 up to 20 lines, falling to 0 at 100',
    },
    identifier_quality: {
      score: round(identifierQuality),
      weight: 0.15,
      value: round(identifierShare * 100),
      explanation:
        '% of identifier uses that are at least 3 characters or conventional (i, x, id, …)',
    },
    comment_density: {
      score: round(commentDensity),
      weight: 0.15,
      value: round(commentRatio * 100),
      explanation: 'comment lines per 100 code lines; 100 between 10 and 40, less outside',
    },
    naming_consistency: {
      score: round(namingConsistency),
      weight: 0.15,
      value: round(dominant * 100),
      explanation:
        '% of function and variable names declared in the dominant style (snake_case, camelCase, …)',
    },
  }
  const score = Object.values(breakdown).reduce((sum, part) => sum + part.score * part.weight, 0)
  return { score: round(score), breakdown }
}
