import { AppError } from '../../errors.js'
import type { Sandbox, SandboxRequest, SandboxStatus } from '../../ports/sandbox.js'

const REASON = 'verification is disabled (SANDBOX=off)'

/** `SANDBOX=off`: nothing runs. There is no unsandboxed mode to fall back to. */
export class OffSandbox implements Sandbox {
  readonly backend = 'off'

  probe(): Promise<SandboxStatus> {
    return Promise.resolve({ available: false, backend: this.backend, reason: REASON })
  }

  run(_request: SandboxRequest): Promise<never> {
    return Promise.reject(new AppError('APP_ERR_DEPENDENCY_DOWN', REASON))
  }
}
