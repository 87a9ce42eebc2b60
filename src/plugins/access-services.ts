import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import type { Clock } from '../ports/clock.js'
import type { GenerationStore } from '../ports/generation-store.js'
import { ApiKeys } from '../services/access/api-keys.js'
import { AuditTrail } from '../services/access/audit.js'
import { AuthService } from '../services/access/auth-service.js'
import { Ownership } from '../services/access/ownership.js'
import { UserAdmin } from '../services/access/users.js'
import { RuntimeSettings, type LiveSettings } from '../services/settings/runtime-settings.js'
import type { Admission } from '../services/usage/admission.js'
import { Budgets } from '../services/usage/budgets.js'
import { UsageReport } from '../services/usage/usage-report.js'

/** Identity, ownership, budgets and runtime settings (`/api/auth`, `/api/keys`, `/api/admin`). */
export interface AccessServices {
  readonly auth: AuthService
  readonly users: UserAdmin
  readonly keys: ApiKeys
  readonly audit: AuditTrail
  /** The runtime settings, as this process last read them from the database. */
  readonly settings: RuntimeSettings
  readonly budgets: Budgets
  readonly usage: UsageReport
  /** Who may see which generation or job. */
  readonly ownership: Ownership
  /** The budget check of every route that calls the model or the sandbox. */
  readonly admission: Admission
}

/** The runtime settings' starting values: what the environment says. */
function settingsFromEnvironment(config: Config): LiveSettings {
  const { budgets } = config
  return {
    default_model: config.llm.model,
    allowed_models: [...config.llm.allowedModels],
    max_prompt_length: config.limits.maxPromptLength,
    verify_default: config.verification.verifyDefault,
    budgets: {
      requests_per_minute: budgets.requestsPerMinute,
      concurrent_generations: budgets.concurrentGenerations,
      tokens_per_day: budgets.tokensPerDay,
      verify_runs_per_day: budgets.verifyRunsPerDay,
    },
    rate_limit: { requests: config.rateLimit.max, window_ms: config.rateLimit.windowMs },
    prices: {},
  }
}

/** The access services on the store's database; the container adds the admission. */
export function buildAccess(
  config: Config,
  store: GenerationStore,
  clock: Clock,
  logger: FastifyBaseLogger,
): Omit<AccessServices, 'admission'> {
  const audit = new AuditTrail(store.access, clock, logger)
  const settings = new RuntimeSettings({
    store: store.access,
    defaults: settingsFromEnvironment(config),
    clock,
    logger,
    refreshMs: config.settings.refreshMs,
    audit: (entry) => audit.record(entry),
  })
  const { auth } = config
  return {
    auth: new AuthService(store.access, audit, clock, logger, {
      jwtSecret: auth.jwtSecret,
      accessTtlMs: auth.accessTtlMs,
      refreshTtlMs: auth.refreshTtlMs,
      clockToleranceMs: auth.clockToleranceMs,
      jwks: auth.jwks,
      login: auth.login,
    }),
    users: new UserAdmin(store.access, audit, clock),
    keys: new ApiKeys(store.access, audit, clock),
    audit,
    settings,
    budgets: new Budgets({ store: store.access, settings, clock }),
    usage: new UsageReport({ store: store.access, settings, clock }),
    ownership: new Ownership(store, store.access),
  }
}
