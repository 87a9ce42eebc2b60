import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sampleRecord } from '../../../test/contracts/generation-store.contract.js'
import { localProcesses } from '../../adapters/host/local-processes.js'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import { systemClock } from '../../ports/clock.js'
import { INTERRUPTED_ERROR, InstanceHeartbeat } from './instance-heartbeat.js'

/** What this process writes as its `host`: where its process ids are meaningful. */
async function processSpace(store: SqliteGenerationStore): Promise<string> {
  const probe = new InstanceHeartbeat(store, systemClock, silent, 60_000, localProcesses)
  await probe.start()
  const [self] = (await store.listInstances()).filter((instance) => instance.id === probe.id)
  await probe.stop()
  return self!.host
}

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const now = () => new Date(systemClock.now()).toISOString()

/** The id of a process that has exited: spawned, waited for, gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.exit(0)'])
  return child.pid as number
}

describe('InstanceHeartbeat', () => {
  let store: SqliteGenerationStore
  const heartbeats: InstanceHeartbeat[] = []

  beforeEach(async () => {
    store = await SqliteGenerationStore.open('sqlite://:memory:')
  })
  afterEach(async () => {
    for (const heartbeat of heartbeats.splice(0)) await heartbeat.stop()
    await store.close()
  })

  function heartbeat(intervalMs = 60_000): InstanceHeartbeat {
    const created = new InstanceHeartbeat(store, systemClock, silent, intervalMs, localProcesses)
    heartbeats.push(created)
    return created
  }

  it('at start-up, interrupts at once what a dead process of this host left running', async () => {
    const dead = { id: randomUUID(), host: await processSpace(store), pid: deadPid() }
    await store.heartbeat(dead, now())
    const orphan = sampleRecord({ instanceId: dead.id })
    await store.insert(orphan)

    await heartbeat().start()
    expect(await store.get(orphan.id)).toMatchObject({
      status: 'interrupted',
      error: INTERRUPTED_ERROR,
    })
    expect((await store.listInstances()).map((instance) => instance.id)).not.toContain(dead.id)
  })

  it('leaves alone the generations of live processes: another host, or one running here', async () => {
    const elsewhere = { id: randomUUID(), host: 'another host or container', pid: deadPid() }
    await store.heartbeat(elsewhere, now())
    const first = heartbeat()
    await first.start()
    const records = [
      sampleRecord({ instanceId: elsewhere.id }),
      sampleRecord({ instanceId: first.id }),
    ]
    for (const record of records) await store.insert(record)

    // Another instance starting in this same Node process (as tests do) sees the first alive.
    const second = heartbeat()
    await second.start()
    expect(await second.sweep()).toEqual([])
    for (const record of records) expect((await store.get(record.id))?.status).toBe('running')
  })

  it('treats an earlier instance with this very pid as gone', async () => {
    const earlier = { id: randomUUID(), host: await processSpace(store), pid: process.pid }
    await store.heartbeat(earlier, now())
    const orphan = sampleRecord({ instanceId: earlier.id })
    await store.insert(orphan)
    await heartbeat().start()
    expect((await store.get(orphan.id))?.status).toBe('interrupted')
  })

  it('removes its entry when it stops, so that its leftovers are orphans at once', async () => {
    const stopping = new InstanceHeartbeat(store, systemClock, silent, 60_000, localProcesses)
    await stopping.start()
    expect((await store.listInstances()).map((instance) => instance.id)).toContain(stopping.id)
    const leftover = sampleRecord({ instanceId: stopping.id })
    await store.insert(leftover)
    await stopping.stop()
    expect((await store.listInstances()).map((instance) => instance.id)).not.toContain(stopping.id)
    expect(await heartbeat().sweep()).toEqual([leftover.id])
  })
})
