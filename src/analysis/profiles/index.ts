import type { ProfileId } from './catalogue.js'
import { eslintProfile } from './eslint.js'
import type { MetricProfile } from './profile.js'
import { radonProfile } from './radon.js'

const IMPLEMENTATIONS: Partial<Record<ProfileId, MetricProfile>> = {
  radon: radonProfile,
  eslint: eslintProfile,
}

/**
 * The counting code of the profile a language's data names. `lizard` has none: the engine's
 * generic walk computes its figures from the language's node tables.
 */
export function profileFor(id: ProfileId): MetricProfile | null {
  return IMPLEMENTATIONS[id] ?? null
}
