import { QuotaExceededError } from '../../errors.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import type { GenerationInput } from '../generation/types.js'
import type { Viewer } from '../access/principal.js'

/** What admission needs of the budgets (`Budgets`). */
export interface BudgetGate {
  admit(viewer: Viewer, demand: { generations: number; verifyRuns: number }): Promise<void>
  recordVerifyRuns(viewer: Viewer, count: number, source: 'api' | 'generation'): Promise<void>
}

/**
 * The budget check at the door of every route that calls the model or the sandbox (OWASP API4):
 * it runs before any work starts, so an exhausted budget costs no model call. Verification runs
 * are counted when admitted, not when run: a user cannot start more than the budget allows by
 * starting them all at once.
 */
export class Admission {
  constructor(
    private readonly budgets: BudgetGate,
    /** Whether a request without `options.verify` is verified, as the settings say now. */
    private readonly verifyDefault: () => boolean,
    /** Whether this deployment verifies at all (a sandbox is configured). */
    private readonly verifying: boolean,
    private readonly metrics: Pick<MetricsRecorder, 'quotaExceeded'>,
  ) {}

  private async admit(viewer: Viewer, demand: { generations: number; verifyRuns: number }) {
    try {
      await this.budgets.admit(viewer, demand)
    } catch (error) {
      if (error instanceof QuotaExceededError) this.metrics.quotaExceeded(error.budget)
      throw error
    }
  }

  /** Admits generation requests (one, a batch, a job, a retried job) for `viewer`. */
  async generations(viewer: Viewer, inputs: readonly GenerationInput[]): Promise<void> {
    const verifyRuns = this.verifying
      ? inputs.filter((input) => input.options.verify ?? this.verifyDefault()).length
      : 0
    await this.admit(viewer, { generations: inputs.length, verifyRuns })
    if (verifyRuns > 0) await this.budgets.recordVerifyRuns(viewer, verifyRuns, 'generation')
  }

  /** Admits one `POST /api/verify` run. */
  async verifyRun(viewer: Viewer): Promise<void> {
    await this.admit(viewer, { generations: 0, verifyRuns: 1 })
    await this.budgets.recordVerifyRuns(viewer, 1, 'api')
  }
}
