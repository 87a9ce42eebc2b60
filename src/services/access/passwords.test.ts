import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../errors.js'
import {
  checkPasswordPolicy,
  generatePassword,
  hashPassword,
  verifyDummyPassword,
  verifyPassword,
} from './passwords.js'

describe('passwords', () => {
  it('hashes with scrypt in a self-describing format, salted anew each time', async () => {
    const hash = await hashPassword('correct horse battery')
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(hash).not.toContain('correct horse')
    expect(await hashPassword('correct horse battery')).not.toBe(hash)
  })

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery')
    expect(await verifyPassword('correct horse battery', hash)).toBe(true)
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false)
    expect(await verifyPassword('', hash)).toBe(false)
  })

  it('answers false, never throws, for a malformed or hostile hash', async () => {
    const hash = await hashPassword('correct horse battery')
    const [, , , , salt, key] = hash.split('$')
    for (const malformed of [
      '',
      'plain text',
      'bcrypt$2b$10$abc',
      hash.slice(0, hash.lastIndexOf('$')),
      `scrypt$32767$8$1$${salt}$${key}`,
      `scrypt$1073741824$8$1$${salt}$${key}`,
      `scrypt$32768$8$1$${salt}$***`,
      `scrypt$32768$0$1$${salt}$${key}`,
      `scrypt$32768$8$1$${salt}$${key}$extra`,
    ])
      expect(await verifyPassword('correct horse battery', malformed)).toBe(false)
  })

  it('still verifies a hash made with other parameters', async () => {
    // A hash written with N = 2^14: the parameters travel with it, so they may change later.
    const { scryptSync, randomBytes } = await import('node:crypto')
    const salt = randomBytes(16)
    const key = scryptSync('older password', salt, 32, { N: 2 ** 14, r: 8, p: 1 })
    const older = `scrypt$16384$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`
    expect(await verifyPassword('older password', older)).toBe(true)
  })

  it('accepts 8 to 1024 characters', async () => {
    expect(() => checkPasswordPolicy('1234567')).toThrow(ValidationError)
    expect(() => checkPasswordPolicy('x'.repeat(1025))).toThrow(ValidationError)
    expect(() => checkPasswordPolicy('12345678')).not.toThrow()
    expect(() => checkPasswordPolicy('é'.repeat(1024))).not.toThrow()
    await expect(hashPassword('short')).rejects.toThrow(/8 to 1024 characters; this one has 5/)
  })

  it('generates 24 characters of base64url', () => {
    const passwords = new Set(Array.from({ length: 20 }, generatePassword))
    expect(passwords.size).toBe(20)
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/)
  })

  it('spends a real verification on the dummy check', async () => {
    const hash = await hashPassword('correct horse battery')
    const timed = async (check: () => Promise<boolean>) => {
      const start = performance.now()
      expect(await check()).toBe(false)
      return performance.now() - start
    }
    const real = await timed(() => verifyPassword('wrong password', hash))
    const dummy = await timed(() => verifyDummyPassword('wrong password'))
    // Both run scrypt with the same parameters; only a gross difference would be a leak.
    expect(dummy).toBeGreaterThan(real / 4)
  })
})
