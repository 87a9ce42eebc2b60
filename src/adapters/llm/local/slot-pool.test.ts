import { describe, expect, test } from 'vitest'
import { SlotPool } from './slot-pool.js'

describe('SlotPool', () => {
  test('lends each slot to one caller; the next waits for a release, in arrival order', async () => {
    const pool = new SlotPool(['a', 'b'])
    const signal = new AbortController().signal
    const first = await pool.acquire(signal)
    const second = await pool.acquire(signal)
    expect(new Set([first, second])).toEqual(new Set(['a', 'b']))
    expect(pool.busy).toBe(2)
    const order: string[] = []
    const third = pool.acquire(signal).then((slot) => order.push(`third:${slot}`))
    const fourth = pool.acquire(signal).then((slot) => order.push(`fourth:${slot}`))
    expect(pool.queued).toBe(2)
    pool.release(second)
    pool.release(first)
    await Promise.all([third, fourth])
    expect(order).toEqual([`third:${second}`, `fourth:${first}`])
  })

  test('an aborted waiter leaves the queue with the reason and takes no slot', async () => {
    const pool = new SlotPool(['only'])
    const slot = await pool.acquire(new AbortController().signal)
    const controller = new AbortController()
    const waiting = pool.acquire(controller.signal)
    const reason = new Error('stop')
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    expect(pool.queued).toBe(0)
    pool.release(slot)
    expect(pool.busy).toBe(0)
    await expect(pool.acquire(new AbortController().signal)).resolves.toBe('only')
  })

  test('an already aborted signal gets no slot', async () => {
    const pool = new SlotPool(['only'])
    const reason = new Error('late')
    await expect(pool.acquire(AbortSignal.abort(reason))).rejects.toBe(reason)
    expect(pool.busy).toBe(0)
  })

  test('rejectWaiting fails every waiter', async () => {
    const pool = new SlotPool(['only'])
    await pool.acquire(new AbortController().signal)
    const waiters = [0, 1].map(() => pool.acquire(new AbortController().signal))
    const reason = new Error('closing')
    pool.rejectWaiting(reason)
    for (const waiter of waiters) await expect(waiter).rejects.toBe(reason)
  })
})
