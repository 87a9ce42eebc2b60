import type { ProfileId } from './catalogue.js'
import type { MetricProfile } from './profile.js'

// Loaded on first use, so that a run over one language loads that language's profile only.
const IMPLEMENTATIONS: Partial<Record<ProfileId, () => Promise<MetricProfile>>> = {
  radon: async () => (await import('./radon.js')).radonProfile,
  eslint: async () => (await import('./eslint.js')).eslintProfile,
}

/**
 * The counting code of the profile a language's data names. `lizard` has none: the engine's
 * generic walk computes its figures from the language's node tables.
 */
export async function profileFor(id: ProfileId): Promise<MetricProfile | null> {
  return (await IMPLEMENTATIONS[id]?.()) ?? null
}
