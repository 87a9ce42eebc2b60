import type { RawCounts, UnitKind } from '../../schemas/analysis.js'
import type { SyntaxNode, Tree } from '../parser.js'

// Shapes the API reports (src/schemas/analysis.ts); the types follow from them.
export type { RawCounts, UnitKind }

/** Halstead base counts; every derived figure is computed from these by `metrics/halstead.ts`. */
export interface HalsteadCounts {
  /** Distinct operators (η1). */
  n1: number
  /** Distinct operands (η2). */
  n2: number
  /** Total operators (N1). */
  N1: number
  /** Total operands (N2). */
  N2: number
}

/** One unit a reference tool reports: a function, method, closure, class, … */
export interface UnitMetrics {
  /** The unit's own name (`inner`, `method`, `<anonymous>`). */
  name: string
  /** Name as the reference tool prints it: `Class.method`, `outer.inner`. */
  qualifiedName: string
  kind: UnitKind
  /** 1-based, as the reference tool reports them. */
  startLine: number
  endLine: number
  cyclomatic: number
  cognitive: number
  /** Declared parameters, not counting `self`/`cls`. */
  parameters: number
  /** Per-unit Halstead counts, where the profile defines them. */
  halstead?: HalsteadCounts
  /** The unit's node, for nesting depth, NLOC and the performance estimate. */
  node: SyntaxNode
}

/** File-level figures a profile computes the reference tool's way. Absent ones fall back to generic rules. */
export interface FileMetrics {
  halstead?: HalsteadCounts
  /** 0–100, exactly as the reference tool computes it. */
  maintainabilityIndex?: number
  raw?: RawCounts
  /** Whole-file cyclomatic total (radon's `total_complexity`). */
  totalComplexity?: number
}

export interface ProfileOptions {
  /** ESLint `complexity` variant for JavaScript/TypeScript; `modified` counts a switch once. */
  cyclomaticVariant?: 'classic' | 'modified'
  /** radon 6.0.1 counts `match` cases; radon 5.1 counts them 0. */
  radonCompat?: '6.0' | '5.1'
  /** A caller's limit: functions past it are error issues (src/analysis/thresholds.ts). */
  maxCyclomatic?: number
  maxCognitive?: number
}

/**
 * A family of counting rules matching a reference tool (radon, ESLint + SonarJS, lizard).
 * `language.json` names its profile; the engine never branches on a language id.
 */
export interface MetricProfile {
  analyze(
    tree: Tree,
    source: string,
    options: ProfileOptions,
  ): { units: UnitMetrics[]; file: FileMetrics }
}
