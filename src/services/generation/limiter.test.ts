import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors.js'
import { Limiter } from './limiter.js'

/** A task that runs until `release()` is called. */
function held() {
  let release: () => void = () => {}
  const done = new Promise<void>((resolve) => (release = resolve))
  return { task: () => done, release: () => release() }
}

describe('Limiter', () => {
  it('runs at most `limit` tasks, then the waiting ones in arrival order', async () => {
    const limiter = new Limiter(1)
    const order: string[] = []
    const first = held()
    const a = limiter.run(async () => {
      order.push('a')
      await first.task()
    })
    const b = limiter.run(async () => void order.push('b'))
    const c = limiter.run(async () => void order.push('c'))
    await Promise.resolve()
    expect(order).toEqual(['a'])
    expect([limiter.running, limiter.queued]).toEqual([1, 2])
    first.release()
    await Promise.all([a, b, c])
    expect(order).toEqual(['a', 'b', 'c'])
    expect([limiter.running, limiter.queued]).toEqual([0, 0])
  })

  it('turns arrivals away once the line is full, saying when to retry', async () => {
    const limiter = new Limiter(1, 1)
    const hold = held()
    const running = limiter.run(hold.task)
    const waiting = limiter.run(async () => 'ran')
    const refused = limiter.run(async () => 'never')
    await expect(refused).rejects.toMatchObject({
      code: 'APP_ERR_OVERLOADED',
      headers: { 'retry-after': '5' },
    })
    await expect(refused).rejects.toBeInstanceOf(AppError)
    hold.release()
    await running
    expect(await waiting).toBe('ran')
  })

  it('lets an aborted waiter leave the line without taking a slot, and frees slots on failure', async () => {
    const limiter = new Limiter(1)
    const hold = held()
    const running = limiter.run(hold.task)
    const controller = new AbortController()
    const leaving = limiter.run(async () => 'never', controller.signal)
    controller.abort(new Error('client gone'))
    await expect(leaving).rejects.toThrow('client gone')
    expect(limiter.queued).toBe(0)
    hold.release()
    await running
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(limiter.running).toBe(0)
    expect(await limiter.run(async () => 'next')).toBe('next')
  })
})
