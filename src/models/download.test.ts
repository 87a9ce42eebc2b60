import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, globalAgent } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../errors.js'
import { listModelFiles } from './catalogue.js'
import { pullModel, type PullProgress } from './download.js'
import { parseModelSource } from './source.js'

const BODY = randomBytes(300_000)
const SHA = createHash('sha256').update(BODY).digest('hex')
const ETAG = '"v1"'

type Handler = (request: IncomingMessage, response: ServerResponse, count: number) => void
let handler: Handler
let seen: IncomingMessage[] = []
let server: Server
let base: string
const dirs: string[] = []

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request)
    handler(request, response, seen.length)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
afterEach(() => {
  seen = []
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function modelsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'verigen-pull-'))
  dirs.push(dir)
  return dir
}

/** Serves BODY with ETag and Range support, as a static file server or CDN does. */
function serveFile(request: IncomingMessage, response: ServerResponse, body = BODY): void {
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '')
  const ifRange = request.headers['if-range']
  if (range && (ifRange === undefined || ifRange === ETAG)) {
    const start = Number(range[1])
    if (start >= body.length) {
      response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end()
      return
    }
    response.writeHead(206, {
      etag: ETAG,
      'content-length': body.length - start,
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
    })
    response.end(body.subarray(start))
    return
  }
  response.writeHead(200, { etag: ETAG, 'content-length': body.length })
  response.end(body)
}

/** Sends the head and `bytes` of the body, then destroys the socket. */
function cutAfter(response: ServerResponse, bytes: number): void {
  response.writeHead(200, { etag: ETAG, 'content-length': BODY.length })
  response.write(BODY.subarray(0, bytes), () => setTimeout(() => response.destroy(), 20))
}

const options = (dir: string, extra = {}) => ({
  modelsDir: dir,
  hfEndpoint: base,
  fetchTimeoutMs: 5000,
  ...extra,
})

describe('pullModel', () => {
  it('downloads a URL with progress events and verifies the sha256 given', async () => {
    handler = (request, response) => serveFile(request, response)
    const dir = modelsDir()
    const events: PullProgress[] = []
    const result = await pullModel(
      parseModelSource(`${base}/files/tiny.gguf`),
      options(dir, { sha256: SHA, onProgress: (p: PullProgress) => events.push({ ...p }) }),
    )
    expect(result).toEqual({
      path: join(dir, 'tiny.gguf'),
      bytes: BODY.length,
      sha256: SHA,
      verified: 'sha256',
      resumed: false,
      alreadyPresent: false,
    })
    expect(readFileSync(result.path).equals(BODY)).toBe(true)
    expect(events.length).toBeGreaterThan(1)
    expect(events.at(-1)).toEqual({ received: BODY.length, total: BODY.length, resumedFrom: 0 })
    expect(events.map((e) => e.received)).toEqual(
      [...events.map((e) => e.received)].sort((a, b) => a - b),
    )
    expect(listModelFiles(dir)).toMatchObject([{ name: 'tiny.gguf', sha256: SHA }])
    expect(existsSync(`${result.path}.part`)).toBe(false)
    expect(existsSync(`${result.path}.part.json`)).toBe(false)
  })

  it('resumes after a cut connection with Range and If-Range, and the file is whole', async () => {
    handler = (request, response, count) =>
      count === 1 ? cutAfter(response, 100_000) : serveFile(request, response)
    const dir = modelsDir()
    const source = parseModelSource(`${base}/tiny.gguf`)
    const error = await pullModel(source, options(dir, { sha256: SHA })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('APP_ERR_MODEL_DOWNLOAD')
    expect(existsSync(join(dir, 'tiny.gguf'))).toBe(false)
    const kept = readFileSync(join(dir, 'tiny.gguf.part')).length
    expect(kept).toBeGreaterThan(0)
    const events: PullProgress[] = []
    const result = await pullModel(
      source,
      options(dir, { sha256: SHA, onProgress: (p: PullProgress) => events.push({ ...p }) }),
    )
    expect(seen[1]!.headers.range).toBe(`bytes=${kept}-`)
    expect(seen[1]!.headers['if-range']).toBe(ETAG)
    expect(result).toMatchObject({ resumed: true, verified: 'sha256', sha256: SHA })
    expect(events[0]).toEqual({ received: kept, total: BODY.length, resumedFrom: kept })
    expect(readFileSync(result.path).equals(BODY)).toBe(true)
  })

  it('starts again from 0 when the server answers 200 instead of 206', async () => {
    handler = (request, response, count) =>
      count === 1
        ? cutAfter(response, 50_000)
        : response.writeHead(200, { etag: '"v2"', 'content-length': BODY.length }).end(BODY)
    const dir = modelsDir()
    const source = parseModelSource(`${base}/tiny.gguf`)
    await expect(pullModel(source, options(dir))).rejects.toThrow(/resume/)
    const result = await pullModel(source, options(dir, { sha256: SHA }))
    expect(seen[1]!.headers.range).toMatch(/^bytes=\d+-$/)
    expect(result).toMatchObject({ resumed: false, bytes: BODY.length, sha256: SHA })
    expect(readFileSync(result.path).equals(BODY)).toBe(true)
  })

  it('starts again when the server answers 416 to the range', async () => {
    const dir = modelsDir()
    // A part as long as the file: nothing is left to ask for.
    writeFileSync(join(dir, 'tiny.gguf.part'), BODY)
    writeFileSync(
      join(dir, 'tiny.gguf.part.json'),
      JSON.stringify({
        url: `${base}/tiny.gguf`,
        etag: ETAG,
        lastModified: null,
        size: null,
        sha256: null,
      }),
    )
    handler = (request, response) => serveFile(request, response)
    const result = await pullModel(
      parseModelSource(`${base}/tiny.gguf`),
      options(dir, { sha256: SHA }),
    )
    expect(seen.map((request) => request.headers.range ?? null)).toEqual([
      `bytes=${BODY.length}-`,
      null,
    ])
    expect(result).toMatchObject({ resumed: false, sha256: SHA })
  })

  it('refuses a checksum mismatch, deletes the part and leaves no final file', async () => {
    handler = (request, response) => serveFile(request, response)
    const dir = modelsDir()
    const wrong = 'ab'.repeat(32)
    const error = (await pullModel(
      parseModelSource(`${base}/tiny.gguf`),
      options(dir, { sha256: wrong }),
    ).catch((e: unknown) => e)) as AppError
    expect(error.code).toBe('APP_ERR_MODEL_CHECKSUM')
    expect(error.message).toContain(SHA.slice(0, 12))
    expect(error.message).toContain(wrong.slice(0, 12))
    expect(existsSync(join(dir, 'tiny.gguf'))).toBe(false)
    expect(existsSync(join(dir, 'tiny.gguf.part'))).toBe(false)
  })

  it('follows the Hugging Face layout: X-Linked-ETag and X-Linked-Size on the first hop, then a 302', async () => {
    handler = (request, response) => {
      if (request.url === '/Qwen/Tiny-GGUF/resolve/main/tiny-q4.gguf') {
        response.writeHead(302, {
          location: '/cdn/blob?token=secret',
          'x-linked-etag': `"${SHA}"`,
          'x-linked-size': String(BODY.length),
        })
        response.end()
      } else if (request.url === '/cdn/blob?token=secret') serveFile(request, response)
      else response.writeHead(404).end()
    }
    const dir = modelsDir()
    const result = await pullModel(parseModelSource('hf:Qwen/Tiny-GGUF/tiny-q4.gguf'), options(dir))
    expect(result).toMatchObject({
      path: join(dir, 'tiny-q4.gguf'),
      verified: 'sha256',
      sha256: SHA,
    })
    expect(readFileSync(join(dir, 'tiny-q4.gguf.sha256'), 'utf8')).toBe(`${SHA}  tiny-q4.gguf\n`)
  })

  it('refuses a file that does not match the X-Linked-ETag', async () => {
    const other = createHash('sha256').update('other').digest('hex')
    handler = (request, response) => {
      if (request.url!.includes('/resolve/'))
        response.writeHead(302, { location: '/blob', 'x-linked-etag': `"${other}"` }).end()
      else serveFile(request, response)
    }
    const dir = modelsDir()
    await expect(
      pullModel(parseModelSource('hf:user/repo/sub/tiny.gguf@v1.0'), options(dir)),
    ).rejects.toMatchObject({ code: 'APP_ERR_MODEL_CHECKSUM' })
    expect(seen[0]!.url).toBe('/user/repo/resolve/v1.0/sub/tiny.gguf')
    expect(listModelFiles(dir)).toEqual([])
  })

  it('honours a Repr-Digest header', async () => {
    const other = createHash('sha256').update('other').digest('base64')
    handler = (_request, response) =>
      response
        .writeHead(200, { 'content-length': BODY.length, 'repr-digest': `sha-256=:${other}:` })
        .end(BODY)
    await expect(
      pullModel(parseModelSource(`${base}/tiny.gguf`), options(modelsDir())),
    ).rejects.toMatchObject({ code: 'APP_ERR_MODEL_CHECKSUM' })
  })

  it('refuses a redirect from https to plain http', async () => {
    handler = (request, response) => serveFile(request, response)
    const dir = modelsDir()
    // A certificate for 127.0.0.1, trusted by this process's https agent for this test only.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    const cert = readFileSync(join(dir, 'cert.pem'))
    const tls = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert },
      (_q, response) => response.writeHead(302, { location: `${base}/tiny.gguf` }).end(),
    )
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
    const previous = globalAgent.options.ca
    globalAgent.options.ca = cert
    try {
      const port = (tls.address() as AddressInfo).port
      await expect(
        pullModel(parseModelSource(`https://127.0.0.1:${port}/tiny.gguf`), options(dir)),
      ).rejects.toThrow(/from https to plain http/)
      expect(seen).toHaveLength(0)
    } finally {
      globalAgent.options.ca = previous
      await new Promise<void>((resolve) => tls.close(() => resolve()))
    }
  })

  it('refuses oversized answer headers', async () => {
    handler = (_request, response) =>
      response.writeHead(200, { 'x-filler': 'x'.repeat(20_000) }).end(BODY)
    await expect(
      pullModel(parseModelSource(`${base}/tiny.gguf`), options(modelsDir())),
    ).rejects.toMatchObject({ code: 'APP_ERR_MODEL_DOWNLOAD' })
  })

  it('refuses a body longer than the size Hugging Face announced', async () => {
    handler = (request, response) => {
      if (request.url!.includes('/resolve/'))
        response.writeHead(302, { location: '/blob', 'x-linked-size': '1000' }).end()
      // No Content-Length: chunked, as a CDN may send it.
      else response.writeHead(200).end(BODY)
    }
    const dir = modelsDir()
    await expect(
      pullModel(parseModelSource('hf:user/repo/tiny.gguf'), options(dir)),
    ).rejects.toThrow(/sent more than the 1000 bytes announced/)
    expect(listModelFiles(dir)).toEqual([])
    expect(existsSync(join(dir, 'tiny.gguf.part'))).toBe(false)
  })

  it('stops after 5 redirects', async () => {
    handler = (request, response) => {
      const hop = Number(/(\d+)/.exec(request.url!)?.[1] ?? 0)
      response.writeHead(302, { location: `/hop${hop + 1}/tiny.gguf` }).end()
    }
    const error = (await pullModel(
      parseModelSource(`${base}/hop0/tiny.gguf`),
      options(modelsDir()),
    ).catch((e: unknown) => e)) as AppError
    expect(error.code).toBe('APP_ERR_MODEL_DOWNLOAD')
    expect(error.message).toMatch(/More than 5 redirects/)
    expect(seen).toHaveLength(6)
  })

  it('refuses a redirect to a scheme other than http(s)', async () => {
    handler = (_request, response) =>
      response.writeHead(302, { location: 'file:///etc/passwd' }).end()
    await expect(
      pullModel(parseModelSource(`${base}/tiny.gguf`), options(modelsDir())),
    ).rejects.toThrow(/unsupported scheme 'file:'/)
  })

  it('fails on a stalled body and keeps the part for a resume', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { etag: ETAG, 'content-length': BODY.length })
      response.write(BODY.subarray(0, 1000))
    }
    const dir = modelsDir()
    await expect(
      pullModel(parseModelSource(`${base}/tiny.gguf`), options(dir, { fetchTimeoutMs: 300 })),
    ).rejects.toThrow(/No data .* for 300 ms/)
    expect(readFileSync(join(dir, 'tiny.gguf.part')).length).toBe(1000)
  })

  it('stops on abort and keeps the part', async () => {
    const controller = new AbortController()
    handler = (_request, response) => {
      response.writeHead(200, { etag: ETAG, 'content-length': BODY.length })
      response.write(BODY.subarray(0, 2000))
    }
    const dir = modelsDir()
    const onProgress = (p: PullProgress) => {
      if (p.received > 0) controller.abort(new Error('stopped'))
    }
    await expect(
      pullModel(
        parseModelSource(`${base}/tiny.gguf`),
        options(dir, { signal: controller.signal, onProgress }),
      ),
    ).rejects.toThrow('stopped')
    expect(existsSync(join(dir, 'tiny.gguf.part'))).toBe(true)
    expect(existsSync(join(dir, 'tiny.gguf.part.json'))).toBe(true)
    expect(existsSync(join(dir, 'tiny.gguf'))).toBe(false)
  })

  it('refuses a second download of the same file while one runs', async () => {
    let release = () => {}
    handler = (_request, response) => {
      response.writeHead(200, { etag: ETAG, 'content-length': BODY.length })
      response.write(BODY.subarray(0, 1000))
      release = () => response.end(BODY.subarray(1000))
    }
    const dir = modelsDir()
    const source = parseModelSource(`${base}/tiny.gguf`)
    let started = () => {}
    const receiving = new Promise<void>((resolve) => (started = resolve))
    const first = pullModel(source, options(dir, { onProgress: () => started() }))
    await receiving
    await expect(pullModel(source, options(dir))).rejects.toThrow(/Another download of 'tiny.gguf'/)
    release()
    expect(await first).toMatchObject({ bytes: BODY.length, verified: 'size' })
    expect(existsSync(join(dir, 'tiny.gguf.part.lock'))).toBe(false)
  })

  it('does not download a present file again, and checks it against its .sha256', async () => {
    handler = (request, response) => serveFile(request, response)
    const dir = modelsDir()
    const source = parseModelSource(`${base}/tiny.gguf`)
    await pullModel(source, options(dir, { sha256: SHA }))
    const again = await pullModel(source, options(dir))
    expect(again).toMatchObject({ verified: 'sha256', sha256: SHA, alreadyPresent: true })
    expect(seen).toHaveLength(1)
    writeFileSync(join(dir, 'tiny.gguf'), 'changed')
    await expect(pullModel(source, options(dir))).rejects.toMatchObject({
      code: 'APP_ERR_MODEL_CHECKSUM',
    })
  })

  it('checks a present file against a given sha256 and records it', async () => {
    const dir = modelsDir()
    writeFileSync(join(dir, 'tiny.gguf'), BODY)
    const source = parseModelSource(`${base}/tiny.gguf`)
    expect(await pullModel(source, options(dir))).toMatchObject({ verified: 'none', sha256: SHA })
    expect(listModelFiles(dir)[0]!.sha256).toBeNull()
    await expect(
      pullModel(source, options(dir, { sha256: 'cd'.repeat(32) })),
    ).rejects.toMatchObject({
      code: 'APP_ERR_MODEL_CHECKSUM',
    })
    expect(await pullModel(source, options(dir, { sha256: SHA }))).toMatchObject({
      verified: 'sha256',
      alreadyPresent: true,
    })
    expect(listModelFiles(dir)[0]!.sha256).toBe(SHA)
    expect(seen).toHaveLength(0)
  })

  it('fails with the status when the server answers 404', async () => {
    handler = (_request, response) => response.writeHead(404).end()
    await expect(
      pullModel(parseModelSource(`${base}/missing.gguf`), options(modelsDir())),
    ).rejects.toThrow(/answered 404/)
  })
})
