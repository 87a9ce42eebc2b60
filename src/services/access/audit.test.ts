import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import type { AccessStore } from '../../ports/access-store.js'
import { AuditTrail } from './audit.js'

describe('AuditTrail', () => {
  let store: SqliteGenerationStore
  let now = Date.parse('2026-12-01T10:00:00Z')
  const clock = { now: () => (now += 1000) }
  const logged: Array<{ fields: object; message: string }> = []
  const logger = {
    debug() {},
    info() {},
    warn() {},
    error: (fields: object, message: string) => logged.push({ fields, message }),
  }

  beforeEach(async () => {
    store = await SqliteGenerationStore.open('sqlite://:memory:')
    logged.length = 0
  })
  afterEach(() => store.close())

  it('records who did what to what, from where, and lists it newest first', async () => {
    const trail = new AuditTrail(store.access, clock, logger)
    await trail.record({
      actor: { id: 'u1', name: 'alice', ip: '192.0.2.7' },
      action: 'login',
      target: 'alice',
    })
    await trail.record({ actor: null, action: 'settings.changed', detail: { keys: ['a'] } })
    const page = await trail.list({ limit: 10 })
    expect(page.items).toMatchObject([
      { action: 'settings.changed', actorId: null, actorName: null, ip: null, target: null },
      { action: 'login', actorId: 'u1', actorName: 'alice', ip: '192.0.2.7', target: 'alice' },
    ])
    expect(page.items[0]!.detail).toEqual({ keys: ['a'] })
    expect(page.items[1]!.at).toBe('2026-12-01T10:00:01.000Z')
  })

  it('never throws: a failed write is logged without its detail', async () => {
    const broken = {
      appendAudit: () => Promise.reject(new Error('database is locked')),
    } as unknown as AccessStore
    const trail = new AuditTrail(broken, clock, logger)
    await expect(
      trail.record({ actor: null, action: 'user.created', detail: { name: 'alice' } }),
    ).resolves.toBeUndefined()
    expect(logged).toHaveLength(1)
    expect(logged[0]!.message).toBe('audit entry not written')
    expect(JSON.stringify(logged[0]!.fields)).not.toContain('alice')
  })
})
