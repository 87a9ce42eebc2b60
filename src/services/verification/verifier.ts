import type { Language, LanguageRegistry } from '../../analysis/language-registry.js'
import type { ComponentStatus } from '../../ports/component-status.js'
import type { Logger } from '../../ports/logger.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import type { Sandbox, SandboxStatus } from '../../ports/sandbox.js'
import type { LanguageVerification } from '../../schemas/verification.js'
import { checkSyntax } from '../../verification/syntax-check.js'
import { discoverToolchain, type Toolchain } from '../../verification/toolchains.js'
import {
  runTests,
  skipped,
  type RunLimits,
  type TestFiles,
  type TestRun,
} from '../../verification/test-run.js'
import { Limiter } from '../generation/limiter.js'

export interface VerifierSettings {
  /** False with `SANDBOX=off`: nothing runs, every run answers `skipped`. */
  enabled: boolean
  limits: RunLimits
  /** Runs (tests or syntax checks) in the sandbox at once: `VERIFY_CONCURRENCY`. */
  concurrency: number
}

const OFF = 'verification is off (SANDBOX=off)'
const DISCOVERING = 'the test runners are being discovered'

/**
 * Runs tests and syntax checks in the sandbox for the whole process: at most `concurrency` at
 * once, a language whose runner is missing answered `skipped` with the reason, and what this
 * machine can run known from start-up on (for `/api/health` and `/api/languages`).
 */
export class Verifier {
  private readonly limiter: Limiter
  private sandboxStatus: SandboxStatus | null = null
  private readonly toolchains = new Map<string, Toolchain>()
  private starting: Promise<void> | null = null

  constructor(
    private readonly sandbox: Sandbox,
    private readonly languages: LanguageRegistry,
    private readonly settings: VerifierSettings,
    private readonly metrics?: MetricsRecorder,
    private readonly logger?: Logger,
  ) {
    const slots = Math.max(1, settings.concurrency)
    // A bounded line: each waiter holds its files in memory and a client's connection open.
    this.limiter = new Limiter(slots, slots * 16, {
      waiting: 'test runs',
      setting: 'VERIFY_CONCURRENCY',
    })
  }

  /** Probes the sandbox and discovers every language's runner (in parallel); call at start, never throws. */
  start(): Promise<void> {
    this.starting ??= this.discover().catch((error: unknown) => {
      // discover() catches per step; this is the last guard of a promise nobody awaits.
      this.logger?.error({ err: error }, 'test runner discovery failed')
    })
    return this.starting
  }

  private async discover(): Promise<void> {
    if (!this.settings.enabled) return
    const status = await this.sandbox.probe().catch((error: unknown): SandboxStatus => ({
      available: false,
      backend: this.sandbox.backend,
      reason: error instanceof Error ? error.message : String(error),
    }))
    this.sandboxStatus = status
    if (!status.available) {
      this.logger?.warn(
        { backend: status.backend, reason: status.reason },
        'sandbox unavailable: verification answers skipped',
      )
      return
    }
    const runnable = this.languages.languages.filter((language) => language.verification)
    await Promise.all(
      runnable.map(async (language) => {
        const found = await discoverToolchain(this.sandbox, language, this.settings.limits).catch(
          (error: unknown): Toolchain => ({
            available: false,
            runner: language.verification?.runner ?? null,
            version: null,
            reason: `the runner could not be checked: ${error instanceof Error ? error.message : String(error)}`,
          }),
        )
        this.toolchains.set(language.id, found)
        const fields = { language: language.id, runner: found.runner, version: found.version }
        if (found.available) this.logger?.info(fields, 'test runner found')
        else this.logger?.warn({ ...fields, reason: found.reason }, 'test runner unavailable')
      }),
    )
  }

  /** For /api/health services.sandbox. */
  health(): ComponentStatus & { languages_available: string[] } {
    const backend = this.sandbox.backend
    const languagesAvailable = [...this.toolchains]
      .filter(([, toolchain]) => toolchain.available)
      .map(([id]) => id)
      .sort()
    const figures = {
      backend,
      languages_available: languagesAvailable,
      running: this.limiter.running,
      queued: this.limiter.queued,
    }
    if (!this.settings.enabled) return { status: 'not_configured', ...figures, detail: OFF }
    if (!this.sandboxStatus) return { status: 'ok', ...figures, detail: DISCOVERING }
    if (!this.sandboxStatus.available) {
      return {
        status: 'degraded',
        ...figures,
        detail: `sandbox unavailable: ${this.sandboxStatus.reason ?? 'no reason given'}`,
      }
    }
    return { status: 'ok', ...figures }
  }

  /** For /api/languages: whether this language's tests can run here, with which runner. */
  language(language: Language): LanguageVerification {
    const rules = language.verification
    if (!rules) {
      return {
        available: false,
        runner: null,
        version: null,
        reason: `no test runner for ${language.name} in this version`,
      }
    }
    const toolchain = this.toolchains.get(language.id)
    return {
      available: toolchain?.available ?? false,
      runner: rules.runner,
      version: toolchain?.version ?? null,
      reason: toolchain ? toolchain.reason : this.notRunnable(language),
    }
  }

  /**
   * One run (waits for a VERIFY_CONCURRENCY slot); a language that cannot run answers status
   * 'skipped' with the reason. Records verigen_verify_runs_total / _duration_seconds.
   */
  async run(language: Language, files: TestFiles, signal?: AbortSignal): Promise<TestRun> {
    await this.start()
    const why = this.notRunnable(language)
    if (why !== null) return this.record(language, skipped(why, this.runnerLabel(language)))
    const run = await this.limiter.run(
      () =>
        runTests(this.sandbox, language, files, this.settings.limits, {
          runner: this.runnerLabel(language),
          signal,
        }),
      signal,
    )
    return this.record(language, run)
  }

  /** The compiler's verdict on one file (null: no compiler for the language, or the sandbox is unavailable). */
  async checkSyntax(
    language: Language,
    which: 'code' | 'tests',
    files: TestFiles,
    signal?: AbortSignal,
  ): Promise<boolean | null> {
    if (!language.verification?.syntax_check) return null
    await this.start()
    if (this.notRunnable(language) !== null) return null
    return this.limiter.run(
      () => checkSyntax(this.sandbox, language, which, files, this.settings.limits, signal),
      signal,
    )
  }

  /** Why runs of this language cannot happen here; null when they can. */
  private notRunnable(language: Language): string | null {
    if (!language.verification) return `no test runner for ${language.name} in this version`
    if (!this.settings.enabled) return OFF
    if (!this.sandboxStatus) return DISCOVERING
    if (!this.sandboxStatus.available)
      return `sandbox unavailable: ${this.sandboxStatus.reason ?? 'no reason given'}`
    const toolchain = this.toolchains.get(language.id)
    if (!toolchain) return DISCOVERING
    return toolchain.available ? null : (toolchain.reason ?? `${toolchain.runner} is unavailable`)
  }

  /** `pytest 7.2.1`: the runner's name and the version found at start-up. */
  private runnerLabel(language: Language): string | null {
    const toolchain = this.toolchains.get(language.id)
    const runner = language.verification?.runner ?? null
    return runner && toolchain?.version ? `${runner} ${toolchain.version}` : runner
  }

  private record(language: Language, run: TestRun): TestRun {
    this.metrics?.verifyRun(language.id, run.status, run.duration_ms / 1000)
    return run
  }
}
