/** Health of a backing component as reported by `GET /api/health`. */
export interface ComponentStatus {
  status: 'ok' | 'down' | 'not_configured'
  /** Which technology serves this port, e.g. `memory`, `redis`, `sqlite`. */
  backend?: string
  detail?: string
  [figure: string]: unknown
}
