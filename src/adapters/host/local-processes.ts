import { readlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import type { HostProcesses } from '../../ports/host-processes.js'

/**
 * The host name, plus the PID namespace on Linux. Two containers may share a host name (host
 * networking) while each has its own pid 1; a restarted container has a new namespace, so its
 * earlier life is judged by missed beats alone.
 */
function processSpace(): string {
  try {
    return `${hostname()} ${readlinkSync('/proc/self/ns/pid')}`
  } catch {
    return hostname()
  }
}

/** The processes of the host this one runs on. */
export const localProcesses: HostProcesses = {
  space: processSpace(),
  pid: process.pid,
  alive(pid) {
    try {
      // Signal 0 only asks.
      process.kill(pid, 0)
      return true
    } catch (error) {
      // EPERM: it exists, and belongs to someone else.
      return (error as NodeJS.ErrnoException).code === 'EPERM'
    }
  },
}
