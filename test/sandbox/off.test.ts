import { describe, expect, it } from 'vitest'
import { OffSandbox } from '../../src/adapters/sandbox/off.js'
import { AppError } from '../../src/errors.js'
import { request } from './helpers.js'

describe('off sandbox', () => {
  it('is unavailable, says why, and runs nothing', async () => {
    const sandbox = new OffSandbox()
    expect(await sandbox.probe()).toEqual({
      available: false,
      backend: 'off',
      reason: 'verification is disabled (SANDBOX=off)',
    })
    const run = sandbox.run(request({ script: 'true' }))
    await expect(run).rejects.toBeInstanceOf(AppError)
    await expect(run).rejects.toMatchObject({ code: 'APP_ERR_DEPENDENCY_DOWN' })
  })
})
