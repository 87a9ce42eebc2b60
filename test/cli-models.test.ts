import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const projectRoot = fileURLToPath(new URL('..', import.meta.url))
const tsx = import.meta.resolve('tsx')
const root = mkdtempSync(join(tmpdir(), 'verigen-cli-models-'))

const BODY = randomBytes(2_000_000)
const SHA = createHash('sha256').update(BODY).digest('hex')
let slow = false
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  // Hugging Face's layout: the resolve answer announces the file and redirects to its CDN.
  if (request.url === '/org/Tiny-GGUF/resolve/main/sub/tiny-q4.gguf') {
    response.writeHead(302, {
      location: '/cdn/tiny?signature=x',
      'x-linked-etag': `"${SHA}"`,
      'x-linked-size': String(BODY.length),
    })
    return void response.end()
  }
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '')
  const start = range && request.headers['if-range'] === '"v1"' ? Number(range[1]) : 0
  response.writeHead(start > 0 ? 206 : 200, {
    etag: '"v1"',
    'content-length': BODY.length - start,
    ...(start > 0 ? { 'content-range': `bytes ${start}-${BODY.length - 1}/${BODY.length}` } : {}),
  })
  if (!slow) return void response.end(BODY.subarray(start))
  // Drips the first 100 kB, then waits: the test interrupts the command meanwhile.
  response.write(BODY.subarray(start, start + 100_000))
})
let base = ''
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
  rmSync(root, { recursive: true, force: true })
})

const args = (list: string[]) => [
  '--import',
  tsx,
  join(projectRoot, 'src', 'cli.ts'),
  'models',
  ...list,
]
const environment = (modelsDir: string) => ({
  ...process.env,
  ENV_FILE: '/dev/null',
  LOCAL_MODELS_DIR: modelsDir,
  HF_ENDPOINT: base,
})

/** Runs the command in a child process; asynchronously, so that this process's server answers. */
function verigenModels(list: string[], modelsDir = join(root, 'elsewhere')) {
  const child = spawn(process.execPath, args(list), {
    cwd: projectRoot,
    env: environment(modelsDir),
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (status) => resolve({ status, stdout, stderr })),
  )
}

describe('verigen models', () => {
  const dir = join(root, 'models')

  it('pulls a URL with exit 0, the file present and verified', async () => {
    const run = await verigenModels(['pull', `${base}/tiny.gguf`, '--sha256', SHA, '--dir', dir])
    expect(run.status, run.stderr).toBe(0)
    expect(readFileSync(join(dir, 'tiny.gguf')).equals(BODY)).toBe(true)
    expect(run.stdout).toContain(`Model: ${join(dir, 'tiny.gguf')}`)
    expect(run.stdout).toContain(`SHA-256: ${SHA}`)
    expect(run.stdout).toContain('verified against its SHA-256')
    // stderr is not a terminal here: plain lines every 10 %, ending at 100 %.
    expect(run.stderr).toContain('verigen models pull: 100% of 2.0 MB')
  }, 60_000)

  it('refuses a checksum mismatch with exit 1 and no file', async () => {
    const run = await verigenModels([
      'pull',
      `${base}/bad.gguf`,
      '--sha256',
      '0'.repeat(64),
      '--dir',
      dir,
    ])
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/SHA-256 [0-9a-f]{12}…, expected 000000000000…/)
    expect(existsSync(join(dir, 'bad.gguf'))).toBe(false)
    expect(existsSync(join(dir, 'bad.gguf.part'))).toBe(false)
  }, 60_000)

  it('answers a usage error with exit 2', async () => {
    expect((await verigenModels(['pull', 'hf:a/../b/c.gguf', '--dir', dir])).status).toBe(2)
    expect((await verigenModels(['fetch'])).status).toBe(2)
    expect((await verigenModels(['list', '--nope'])).status).toBe(2)
  }, 60_000)

  it('pulls an hf: URI from HF_ENDPOINT into LOCAL_MODELS_DIR, verified by X-Linked-ETag', async () => {
    const run = await verigenModels(['pull', 'hf:org/Tiny-GGUF/sub/tiny-q4.gguf'], dir)
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain(`Model: ${join(dir, 'tiny-q4.gguf')}`)
    expect(run.stdout).toContain('verified against its SHA-256')
    expect(run.stderr).not.toContain('signature')
    expect(readFileSync(join(dir, 'tiny-q4.gguf')).equals(BODY)).toBe(true)
  }, 60_000)

  it('lists the models, verified, with the default one (the newest), as text and JSON', async () => {
    const text = await verigenModels(['list'], dir)
    expect(text.status, text.stderr).toBe(0)
    expect(text.stdout).toContain(`Models in ${dir}:`)
    expect(text.stdout).toMatch(/ tiny\.gguf {2}2\.0 MB {2}sha256 [0-9a-f]{12}… verified\n/)
    expect(text.stdout).toMatch(
      / tiny-q4\.gguf {2}2\.0 MB {2}sha256 [0-9a-f]{12}… verified {2}\(default\)/,
    )
    const json = JSON.parse((await verigenModels(['list', '--json', '--dir', dir])).stdout)
    expect(json.models).toEqual([
      expect.objectContaining({ name: 'tiny-q4.gguf', sha256: SHA, verified: true, default: true }),
      expect.objectContaining({
        name: 'tiny.gguf',
        bytes: BODY.length,
        sha256: SHA,
        default: false,
      }),
    ])
    const empty = await verigenModels(['list'])
    expect(empty.stdout).toMatch(/^No models in .*elsewhere; run: verigen models pull/)
  }, 60_000)

  it('stops on Ctrl-C keeping the part, and the same command resumes it', async () => {
    slow = true
    const child = spawn(process.execPath, args(['pull', `${base}/cut.gguf`]), {
      cwd: projectRoot,
      env: environment(dir),
    })
    let stderr = ''
    let interrupted = false
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      // The first progress line means bytes are on disk.
      if (stderr.includes('% of') && !interrupted) {
        interrupted = true
        child.kill('SIGINT')
      }
    })
    const status = await new Promise<unknown>((resolve) =>
      child.once('close', (code, signal) => resolve(code ?? signal)),
    )
    expect(status, stderr).toBe(130)
    expect(stderr).toContain('run the same command to resume')
    expect(existsSync(join(dir, 'cut.gguf.part'))).toBe(true)
    slow = false
    const again = await verigenModels(['pull', `${base}/cut.gguf`], dir)
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toContain('resumed an interrupted download')
    expect(again.stdout).toContain('size verified')
    expect(readFileSync(join(dir, 'cut.gguf')).equals(BODY)).toBe(true)
  }, 60_000)
})
