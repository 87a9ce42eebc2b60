import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors.js'
import { checkCallbackUrl, isAllowedHost, sign } from './callbacks.js'

const ALLOWED = ['allowed.example.com', '*.hooks.example.org', '127.0.0.1']
const SECRET = 'a-webhook-secret-of-some-length'

function refusal(url: string, allowed: readonly string[] = ALLOWED): AppError {
  try {
    checkCallbackUrl(url, allowed)
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('APP_ERR_CALLBACK_NOT_ALLOWED')
    expect((error as AppError).status).toBe(422)
    return error as AppError
  }
  throw new Error(`accepted: ${url}`)
}

describe('checkCallbackUrl', () => {
  it.each([
    ['https://allowed.example.com/hook', 'https://allowed.example.com/hook'],
    ['HTTP://ALLOWED.example.com./hook', 'http://allowed.example.com/hook'],
    ['https://allowed.example.com:8443/h?x=1', 'https://allowed.example.com:8443/h?x=1'],
    ['https://allowed.example.com/h#frag', 'https://allowed.example.com/h'],
    ['https://a.hooks.example.org/h', 'https://a.hooks.example.org/h'],
    ['https://deep.a.HOOKS.example.org/h', 'https://deep.a.hooks.example.org/h'],
    ['http://127.0.0.1:9000/cb', 'http://127.0.0.1:9000/cb'],
    ['http://2130706433/cb', 'http://127.0.0.1/cb'],
  ])('accepts %s as %s', (url, normalised) => {
    expect(checkCallbackUrl(url, ALLOWED)).toBe(normalised)
  })

  it.each([
    ['userinfo hiding the real host', 'http://allowed.example.com@evil.com/', /user name/],
    ['a fragment hiding the real host', 'http://evil.com#@allowed.example.com', /'evil\.com'/],
    ['a user and password', 'https://user:pw@allowed.example.com/', /user name or password/],
    ['a user only', 'https://user@allowed.example.com/', /user name/],
    ['an empty userinfo', 'https://:@evil.com/', /'evil\.com'/],
    ['a host not listed', 'https://evil.com/', /not allowed; .*WEBHOOK_ALLOWED_HOSTS/],
    ['a lookalike suffix', 'https://evilallowed.example.com/', /not allowed/],
    ['a listed name as a prefix', 'https://allowed.example.com.evil.com/', /not allowed/],
    ['the wildcard parent itself', 'https://hooks.example.org/', /not allowed/],
    ['a wildcard lookalike', 'https://xhooks.example.org/', /not allowed/],
    ['an IPv6 literal', 'http://[::1]:9000/', /'\[::1\]'/],
    ['an IPv4-mapped IPv6 literal', 'http://[::ffff:127.0.0.1]/', /not allowed/],
    ['the metadata address in hex', 'http://0xa9fea9fe/', /'169\.254\.169\.254'/],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data', /not allowed/],
    ['a port on another host', 'http://evil.com:443/', /not allowed/],
    ['a port out of range', 'http://allowed.example.com:99999/', /not an absolute URL/],
    ['javascript:', 'javascript:alert(1)', /scheme 'javascript:'/],
    ['file:', 'file:///etc/passwd', /scheme 'file:'/],
    ['ftp:', 'ftp://allowed.example.com/', /scheme 'ftp:'/],
    ['a relative URL', '/hook', /not an absolute URL/],
    ['a backslash trick', 'http:\\\\evil.com\\@allowed.example.com/', /not allowed|user name/],
    ['a newline inside', 'http://allowed.exa\nmple.com/', /control characters/],
    ['a leading space', ' https://allowed.example.com/', /control characters/],
    ['an IDN not listed', 'https://allowéd.example.com/', /'xn--allowd-fva\.example\.com'/],
    ['too long', `https://allowed.example.com/${'a'.repeat(2048)}`, /longer than 2048/],
  ])('refuses %s', (_what, url, detail) => {
    expect(refusal(url).message).toMatch(detail)
  })

  it('matches IDN hosts in punycode', () => {
    expect(checkCallbackUrl('https://bücher.example/x', ['xn--bcher-kva.example'])).toBe(
      'https://xn--bcher-kva.example/x',
    )
  })

  it('says how to turn callbacks on when the list is empty', () => {
    expect(refusal('https://allowed.example.com/', []).message).toBe(
      'callbacks are off: set WEBHOOK_ALLOWED_HOSTS and WEBHOOK_SECRET',
    )
  })

  it('matches hosts case-insensitively and without a trailing dot', () => {
    expect(isAllowedHost('allowed.example.com', ['Allowed.Example.com.'])).toBe(true)
    expect(isAllowedHost('x.y.example.com', ['*.example.com'])).toBe(true)
    expect(isAllowedHost('example.com', ['*.example.com'])).toBe(false)
  })
})

describe('sign', () => {
  it('is the hex HMAC-SHA256 of the raw body', () => {
    const body = '{"job_id":"j1","status":"completed","note":"é"}'
    const expected = createHmac('sha256', SECRET).update(Buffer.from(body, 'utf8')).digest('hex')
    expect(sign(body, SECRET)).toBe(`sha256=${expected}`)
  })

  it('matches the RFC 4231 test case 2 vector', () => {
    expect(sign('what do ya want for nothing?', 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
  })
})
