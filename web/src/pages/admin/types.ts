/** What the admin API answers (src/schemas/admin.ts, settings.ts, auth.ts), as the UI reads it. */

export const BUDGET_KEYS = [
  'requests_per_minute',
  'concurrent_generations',
  'tokens_per_day',
  'verify_runs_per_day',
] as const

export type BudgetKey = (typeof BUDGET_KEYS)[number]

/** Plain names of the budgets, for labels. */
export const BUDGET_LABELS: Record<BudgetKey, string> = {
  requests_per_minute: 'Generations per minute',
  concurrent_generations: 'Concurrent generations',
  tokens_per_day: 'Tokens per day',
  verify_runs_per_day: 'Verification runs per day',
}

export type Budgets = Record<BudgetKey, number>
export type UserLimits = Partial<Record<BudgetKey, number>>

export interface User {
  id: string
  name: string
  admin: boolean
  disabled: boolean
  limits: UserLimits
  external: boolean
  created_at: string
  updated_at: string
  last_login_at: string | null
}

export interface UserCreated {
  user: User
  password?: string
}

export interface ApiKey {
  id: string
  name: string
  prefix: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

export interface ApiKeyCreated {
  key: string
  id: string
  name: string
  prefix: string
  created_at: string
  expires_at: string | null
}

export interface ModelPrice {
  input_per_million_tokens: number
  output_per_million_tokens: number
}

export interface Settings {
  default_model: string | null
  allowed_models: string[]
  max_prompt_length: number
  verify_default: boolean
  budgets: Budgets
  rate_limit: { requests: number; window_ms: number }
  prices: Record<string, ModelPrice>
}

export type SettingKey = keyof Settings

export interface SettingsDescription {
  settings: Settings
  defaults: Settings
  overridden: SettingKey[]
  updated_at: string | null
}

export interface UsageCounts {
  generations: number
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  verify_runs: number
  estimated_cost_usd: number | null
}

export interface UsageRow extends UsageCounts {
  day: string
  user_id: string | null
  user: string | null
  model: string | null
}

export interface UsageReport {
  from: string
  to: string
  rows: UsageRow[]
  totals: UsageCounts
  unpriced_models: string[]
}

export interface AuditEntry {
  id: string
  at: string
  actor_id: string | null
  actor_name: string | null
  action: string
  target: string | null
  detail: Record<string, unknown>
  ip: string | null
}

export interface AuditPage {
  items: AuditEntry[]
  next_cursor: string | null
}
