/**
 * A worker process of the cross-process claim test (job-store.test.ts): opens the store at
 * argv[2], waits until the time argv[3] (ms) so that every process starts together, claims jobs
 * until none is left and prints their ids as one JSON line.
 */
import { PostgresGenerationStore } from '../../src/adapters/store/postgres.js'
import { SqliteGenerationStore } from '../../src/adapters/store/sqlite.js'

const [url = '', startAt = '0', workerId = 'claimer'] = process.argv.slice(2)
const store = url.startsWith('sqlite:')
  ? await SqliteGenerationStore.open(url)
  : await PostgresGenerationStore.open(url, { poolSize: 2 })
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())))
const claimed: string[] = []
// Past every job's availableAt: the jobs are queued at the contract's fixed times.
const now = '2100-01-01T00:00:00.000Z'
for (;;) {
  const view = await store.jobs.claimNext({ workerId, now, leaseUntil: '2999-01-01T00:00:00.000Z' })
  if (!view) break
  claimed.push(view.record.id)
}
await store.close()
process.stdout.write(`${JSON.stringify(claimed)}\n`)
