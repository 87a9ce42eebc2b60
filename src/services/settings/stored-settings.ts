import type { SettingEntry } from '../../ports/access-store.js'
import {
  SETTING_KEYS,
  storedSettingSchemas,
  type LiveSettings,
  type SettingKey,
} from '../../schemas/settings.js'

/** The valid stored overrides, by key (`budgets` and `rate_limit` hold only the fields set). */
export type StoredSettings = Partial<{
  [Key in SettingKey]: Key extends 'budgets' | 'rate_limit'
    ? Partial<LiveSettings[Key]>
    : LiveSettings[Key]
}>

/** A stored row of a known setting whose value has the wrong shape. */
export interface MalformedSetting {
  key: SettingKey
  updatedAt: string
  problems: string[]
}

/**
 * The rows of the settings table that are known settings of the right shape, the time the
 * newest of them was written, and the malformed ones (rows of unknown keys are left alone: a
 * newer version of the service may have written them).
 */
export function readStoredSettings(entries: readonly SettingEntry[]): {
  rows: StoredSettings
  updatedAt: string | null
  malformed: MalformedSetting[]
} {
  const rows: Record<string, unknown> = {}
  const malformed: MalformedSetting[] = []
  let updatedAt: string | null = null
  for (const entry of entries) {
    if (!(SETTING_KEYS as readonly string[]).includes(entry.key)) continue
    const key = entry.key as SettingKey
    const checked = storedSettingSchemas[key].safeParse(entry.value)
    if (!checked.success) {
      const problems = checked.error.issues.map(
        (issue) => `${[key, ...issue.path].join('.')}: ${issue.message}`,
      )
      malformed.push({ key, updatedAt: entry.updatedAt, problems })
      continue
    }
    rows[key] = checked.data
    if (updatedAt === null || entry.updatedAt > updatedAt) updatedAt = entry.updatedAt
  }
  return { rows: rows as StoredSettings, updatedAt, malformed }
}

/** `defaults` with the stored rows over them, `budgets` and `rate_limit` field by field. */
export function composeSettings(defaults: LiveSettings, rows: StoredSettings): LiveSettings {
  const { budgets, rate_limit, ...whole } = rows
  return {
    ...defaults,
    ...whole,
    budgets: { ...defaults.budgets, ...budgets },
    rate_limit: { ...defaults.rate_limit, ...rate_limit },
  }
}

/**
 * The row to store for `key` after `change`, merged as a JSON merge patch (RFC 7396): null
 * deletes the row; `budgets`, `rate_limit` and `prices` keep the fields and models the change
 * does not name, and lose those it sets to null.
 */
export function mergeSetting(key: SettingKey, stored: unknown, change: unknown): unknown {
  if (change === null) return null
  if (key !== 'budgets' && key !== 'rate_limit' && key !== 'prices') return change
  const merged: Record<string, unknown> = { ...(stored as Record<string, unknown> | undefined) }
  for (const [field, value] of Object.entries(change as Record<string, unknown>)) {
    if (value === null) delete merged[field]
    else merged[field] = value
  }
  return Object.keys(merged).length === 0 ? null : merged
}
