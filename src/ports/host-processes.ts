/** The processes of this host, as the recovery of a crashed API process needs to see them. */
export interface HostProcesses {
  /**
   * Where process ids mean the same thing: two processes with equal `space` can tell whether
   * each other's pid is alive.
   */
  readonly space: string
  /** This process's id. */
  readonly pid: number
  /** Whether a process of this `space` with this id is still there. */
  alive(pid: number): boolean
}
