import type { LanguageRules } from '../language-registry.js'
import { eslintProfile } from './eslint.js'
import type { MetricProfile } from './profile.js'
import { radonProfile } from './radon.js'

const PROFILES: Partial<Record<LanguageRules['profile'], MetricProfile>> = {
  radon: radonProfile,
  eslint: eslintProfile,
}

/**
 * The profile a language's data names. `lizard` has none: the engine's generic walk computes its
 * figures from the language's node tables.
 */
export function profileFor(name: LanguageRules['profile']): MetricProfile | null {
  return PROFILES[name] ?? null
}
