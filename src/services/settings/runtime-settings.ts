import type { AccessStore, SettingEntry } from '../../ports/access-store.js'
import type { Clock } from '../../ports/clock.js'
import type { Logger } from '../../ports/logger.js'
import { schemaValidationError } from '../../errors.js'
import {
  liveSettingsSchema,
  SETTING_KEYS,
  settingsPatchSchema,
  storedSettingSchemas,
  type LiveSettings,
  type SettingKey,
  type SettingsDescription,
} from '../../schemas/settings.js'
import type { Actor } from '../access/principal.js'
import {
  composeSettings,
  mergeSetting,
  readStoredSettings,
  type StoredSettings,
} from './stored-settings.js'

export type { LiveSettings, SettingKey, SettingsDescription } from '../../schemas/settings.js'
export type { StoredSettings } from './stored-settings.js'

/** What a settings change writes to the audit trail (the shape of `AuditTrail.record`). */
export interface SettingsAuditEntry {
  actor: Actor | null
  action: string
  target?: string
  detail?: Record<string, unknown>
}

export interface RuntimeSettingsOptions {
  store: AccessStore
  /** The starting values, from the environment. */
  defaults: LiveSettings
  clock: Clock
  logger: Logger
  /** How often the stored settings are read back, so that other processes' changes apply here. */
  refreshMs: number
  /** Records `settings.changed`; never throws. */
  audit?: (entry: SettingsAuditEntry) => Promise<void>
}

type Listener = (settings: LiveSettings) => void

/**
 * The settings an administrator can change at run time (`GET/PATCH /api/admin/settings`). The
 * environment gives the starting values; rows of the shared database override them key by key
 * (`budgets` and `rate_limit` field by field). Every process reads the rows back every
 * `refreshMs`, so a change made through one API process applies in all of them, workers included,
 * within that time. `current()` is synchronous: request paths read it without a query.
 */
export class RuntimeSettings {
  private readonly defaults: LiveSettings
  private values: LiveSettings
  private rows: StoredSettings = {}
  private updatedAt: string | null = null
  private readonly listeners = new Set<Listener>()
  /** Malformed rows already reported, by key and write time, so a bad row warns once. */
  private readonly reported = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private refreshing: Promise<void> | null = null
  /** Bumped by every local write, so that a read begun before it cannot undo it. */
  private localWrites = 0

  constructor(private readonly options: RuntimeSettingsOptions) {
    const checked = liveSettingsSchema.safeParse(options.defaults)
    if (!checked.success) {
      const problems = checked.error.issues
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ')
      throw new Error(`The starting values of the runtime settings are out of range: ${problems}`)
    }
    this.defaults = checked.data
    this.values = checked.data
  }

  /** Reads the stored settings once, then every `refreshMs` in the background. */
  async start(): Promise<void> {
    await this.refresh()
    clearInterval(this.timer)
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs)
    this.timer.unref()
  }

  /** Stops reading the settings back; `current()` keeps answering the last values. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.refreshing
  }

  /** The settings to apply now. */
  current(): LiveSettings {
    return this.values
  }

  /** The valid stored overrides, as last read. */
  stored(): StoredSettings {
    return this.rows
  }

  /** What `GET /api/admin/settings` answers. */
  describe(): SettingsDescription {
    return {
      settings: this.values,
      defaults: this.defaults,
      overridden: SETTING_KEYS.filter((key) => this.rows[key] !== undefined),
      updated_at: this.updatedAt,
    }
  }

  /**
   * Calls `listener` with the new settings whenever `current()` changes, here or read back from
   * the database. Answers a function that removes the listener.
   */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Reads the stored settings now. A database that cannot be read leaves the last values in
   * place (the next refresh tries again); concurrent calls share one read.
   */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const seen = this.localWrites
        const entries = await this.options.store.listSettings()
        if (seen === this.localWrites) this.apply(entries)
      } catch (error) {
        this.options.logger.warn(
          { detail: (error as Error).message },
          'runtime settings could not be read; keeping the last values',
        )
      } finally {
        this.refreshing = null
      }
    })()
    return this.refreshing
  }

  /**
   * Applies `patch` (see `settingsPatchSchema`: absent keys stay, `null` goes back to the
   * environment's value), stores it for every process, records `settings.changed` and answers
   * the new settings.
   *
   * @throws ValidationError when the patch, or the settings it would make, are invalid.
   */
  async update(patch: unknown, actor: Actor | null): Promise<LiveSettings> {
    const parsed = settingsPatchSchema.safeParse(patch)
    if (!parsed.success) throw schemaValidationError('body', parsed.error.issues)
    // Merge with what is stored now, not with what this process read last: another process may
    // have changed a field of budgets since.
    const stored = this.read(await this.options.store.listSettings())
    const writes: Record<string, unknown> = {}
    const next: StoredSettings = { ...stored.rows }
    for (const key of SETTING_KEYS) {
      const change = parsed.data[key]
      if (change === undefined) continue
      const value = mergeSetting(key, stored.rows[key], change)
      writes[key] = value
      if (value === null) delete next[key]
      else (next as Record<string, unknown>)[key] = value
    }
    for (const key of Object.keys(writes) as SettingKey[]) {
      const value = writes[key]
      const checked = value === null ? null : storedSettingSchemas[key].safeParse(value)
      if (checked && !checked.success) {
        throw schemaValidationError(
          'body',
          checked.error.issues.map((issue) => ({ ...issue, path: [key, ...issue.path] })),
        )
      }
    }
    const before = composeSettings(this.defaults, stored.rows)
    const after = composeSettings(this.defaults, next)
    const modelsChange = writes.default_model !== undefined || writes.allowed_models !== undefined
    if (
      modelsChange &&
      after.default_model !== null &&
      !after.allowed_models.includes(after.default_model)
    ) {
      throw schemaValidationError('body', [
        {
          path: ['default_model'],
          code: 'invalid_value',
          message: `'${after.default_model}' must be one of allowed_models (${after.allowed_models.join(', ') || 'none'})`,
        },
      ])
    }
    if (Object.keys(writes).length === 0) return this.values
    const now = new Date(this.options.clock.now()).toISOString()
    await this.options.store.putSettings(writes, now, actor?.id ?? null)
    this.localWrites += 1
    this.rows = next
    this.updatedAt = now
    this.setValues(after)
    const changed: Record<string, { from: unknown; to: unknown }> = {}
    for (const key of Object.keys(writes) as SettingKey[]) {
      if (!sameValue(before[key], after[key])) changed[key] = { from: before[key], to: after[key] }
    }
    if (Object.keys(changed).length > 0) {
      await this.options.audit?.({
        actor,
        action: 'settings.changed',
        target: Object.keys(changed).join(','),
        detail: { changed },
      })
    }
    return after
  }

  private apply(entries: SettingEntry[]): void {
    const { rows, updatedAt } = this.read(entries)
    this.rows = rows
    this.updatedAt = updatedAt
    this.setValues(composeSettings(this.defaults, rows))
  }

  /** The valid rows; a malformed one is reported once per write, not at every refresh. */
  private read(entries: SettingEntry[]): { rows: StoredSettings; updatedAt: string | null } {
    const { rows, updatedAt, malformed } = readStoredSettings(entries)
    for (const { key, updatedAt: writtenAt, problems } of malformed) {
      const signature = `${key}@${writtenAt}`
      if (this.reported.has(signature)) continue
      this.reported.add(signature)
      this.options.logger.warn(
        { key, problems },
        'stored runtime setting has the wrong shape; using the value from the environment',
      )
    }
    return { rows, updatedAt }
  }

  private setValues(values: LiveSettings): void {
    if (sameValue(values, this.values)) return
    this.values = values
    for (const listener of this.listeners) {
      try {
        listener(values)
      } catch (error) {
        this.options.logger.error(
          { detail: (error as Error).message },
          'a runtime settings listener failed',
        )
      }
    }
  }
}

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right)
}
