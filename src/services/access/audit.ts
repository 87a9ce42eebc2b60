import { randomUUID } from 'node:crypto'
import type { AccessStore, AuditPage, AuditQuery } from '../../ports/access-store.js'
import type { Clock } from '../../ports/clock.js'
import type { Logger } from '../../ports/logger.js'
import type { Actor } from './principal.js'

/** One event for the audit trail; `detail` holds facts, never a secret. */
export interface AuditEvent {
  /** Who acted; null for the system. The actor's address becomes the entry's `ip`. */
  actor: Actor | null
  /** Dotted verb: `login`, `login.failed`, `user.created`, `key.revoked`… */
  action: string
  /** What it acted on: a user id or name, a key id. */
  target?: string | null
  detail?: Record<string, unknown>
}

/** Who changed what and when: logins, failed logins, users, keys, settings. */
export class AuditTrail {
  constructor(
    private readonly store: AccessStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Appends `event`. Never throws: the action it records has happened already, so a failed write
   * is logged (without the detail, which may name users) instead of failing the request.
   */
  async record(event: AuditEvent): Promise<void> {
    try {
      await this.store.appendAudit({
        id: randomUUID(),
        at: new Date(this.clock.now()).toISOString(),
        actorId: event.actor?.id ?? null,
        actorName: event.actor?.name ?? null,
        action: event.action,
        target: event.target ?? null,
        detail: event.detail ?? {},
        ip: event.actor?.ip ?? null,
      })
    } catch (error) {
      this.logger.error({ err: error, action: event.action }, 'audit entry not written')
    }
  }

  /** A page of the trail, newest first. */
  list(query: AuditQuery): Promise<AuditPage> {
    return this.store.listAudit(query)
  }
}
