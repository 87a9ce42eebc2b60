/**
 * The metric profiles a `language.json` may name, with what the engine needs to know about each
 * one besides its counting code (`profiles/index.ts`). A profile is a reference tool's rule set:
 * `lizard` is driven entirely by the language's tables and fits any grammar; the others are one
 * tool's rules written against the node types of the grammars they list, which the language
 * loader checks, so that a language can only use them with one of those grammars.
 */

/** Which counting rules each figure of a report follows. */
export interface ReferenceNames {
  cyclomatic: string
  cognitive: string
  halstead: string
  maintainability: string
}

export interface ProfileDescription {
  reference: ReferenceNames
  /** The reference tool's default cyclomatic threshold; above it a function gets an issue. */
  cyclomaticLimit: number
  /** Grammar packages whose node types the profile's code names; empty: any grammar. */
  grammars: readonly string[]
  /** The reference tool's own grade of a cyclomatic figure, quoted in the message. */
  rank?: (complexity: number) => string
}

/** radon `cc_rank`: A 1–5, B 6–10, C 11–20, D 21–30, E 31–40, F 41+. */
function radonRank(complexity: number): string {
  if (complexity <= 5) return 'A'
  if (complexity <= 10) return 'B'
  if (complexity <= 20) return 'C'
  if (complexity <= 30) return 'D'
  if (complexity <= 40) return 'E'
  return 'F'
}

export const PROFILES = {
  radon: {
    reference: {
      cyclomatic: 'radon cc 6.0.1',
      cognitive: 'sonar-python (SonarSource white paper)',
      halstead: 'radon hal',
      maintainability: 'radon mi',
    },
    cyclomaticLimit: 10,
    grammars: ['tree-sitter-python'],
    rank: (complexity) => `radon rank ${radonRank(complexity)}`,
  },
  eslint: {
    reference: {
      cyclomatic: 'ESLint complexity (classic)',
      cognitive: 'eslint-plugin-sonarjs 4 cognitive-complexity',
      halstead: 'token-based (docs/analysis.md)',
      maintainability: 'Visual Studio formula',
    },
    cyclomaticLimit: 20,
    grammars: ['tree-sitter-javascript', 'tree-sitter-typescript'],
  },
  lizard: {
    reference: {
      cyclomatic: 'lizard rules, from the syntax tree',
      cognitive: 'SonarSource white paper',
      halstead: 'token-based (docs/analysis.md)',
      maintainability: 'Visual Studio formula',
    },
    cyclomaticLimit: 15,
    grammars: [],
  },
} satisfies Record<string, ProfileDescription>

export type ProfileId = keyof typeof PROFILES

/** Whether `name` is a known profile. */
export function isProfileId(name: string): name is ProfileId {
  return Object.hasOwn(PROFILES, name)
}

/** The description of a known profile. */
export function describeProfile(id: ProfileId): ProfileDescription {
  return PROFILES[id]
}
