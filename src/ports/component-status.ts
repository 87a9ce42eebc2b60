/** Health of a backing component as reported by `GET /api/health`. */
export interface ComponentStatus {
  /**
   * `degraded`: up, but part of what it offers is unavailable (the sandbox cannot start runs, so
   * verification answers `skipped`); like `down`, it makes the service `degraded`, never unhealthy.
   */
  status: 'ok' | 'degraded' | 'down' | 'not_configured'
  /** Which technology serves this port, e.g. `memory`, `redis`, `sqlite`. */
  backend?: string
  detail?: string
  [figure: string]: unknown
}
