import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BwrapSandbox } from '../../src/adapters/sandbox/bwrap.js'
import { AppError } from '../../src/errors.js'
import { request, sandboxOrSkip } from './helpers.js'

const sandbox = await sandboxOrSkip()

describe.runIf(sandbox)('bwrap sandbox', () => {
  const box = sandbox!
  const host = mkdtempSync(join(tmpdir(), 'sandbox-mount-'))
  writeFileSync(join(host, 'data.txt'), 'from the host\n', { mode: 0o644 })
  // Writable by anyone on the host, so that only the read-only mount can refuse the write.
  chmodSync(host, 0o777)
  afterAll(() => rmSync(host, { recursive: true, force: true }))

  it('answers the probe once, from memory afterwards', async () => {
    expect(await box.probe()).toEqual({ available: true, backend: 'bwrap', reason: null })
    expect(box.probe()).toBe(box.probe())
  })

  it('limits memory and processes with a cgroup when the server is root', async () => {
    const support = await box.cgroupSupport()
    if (process.getuid?.() === 0) expect(support.version).not.toBeNull()
    else expect(support.reason).toBe('the server is not root')
  })

  it('passes the exit code, and the signal that ended the script', async () => {
    const exited = await box.run(request({ script: 'echo bye; exit 7' }))
    expect(exited).toMatchObject({ exitCode: 7, signal: null, limit: null, cancelled: false })
    expect(exited.output).toBe('bye\n')
    const killed = await box.run(request({ script: 'kill -TERM $$' }))
    expect(killed).toMatchObject({ exitCode: null, signal: 'SIGTERM', limit: null })
  })

  it('interleaves stdout and stderr as they were written', async () => {
    const result = await box.run(request({ script: 'echo one; echo two >&2; echo three' }))
    expect(result.output).toBe('one\ntwo\nthree\n')
  })

  it('gives the script only the environment asked for, plus PATH, HOME and TMPDIR', async () => {
    const result = await box.run(
      request({ script: 'cat /proc/self/environ | tr "\\0" "\\n"', env: { LANG: 'C.UTF-8' } }),
    )
    const names = result.output
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('=')[0])
    // The shell itself adds PWD (and OLDPWD after a cd).
    expect(names.filter((name) => !['PWD', 'OLDPWD'].includes(name!)).sort()).toEqual([
      'HOME',
      'LANG',
      'PATH',
      'TMPDIR',
    ])
    expect(result.output).toContain('HOME=/tmp\n')
    const own = await box.run(request({ script: 'echo $PATH', env: { PATH: '/usr/lib/jvm/bin' } }))
    expect(own.output).toBe('/usr/lib/jvm/bin\n')
  })

  it('runs as an unprivileged user in /work, with the files written there', async () => {
    const result = await box.run(
      request({
        files: [
          { path: 'solution.py', content: 'def answer():\n    return 42\n' },
          { path: 'tests/deep/test_it.py', content: 'ünïcode = "✓"\n' },
        ],
        script:
          'id -u; pwd; /usr/bin/python3 -c "import solution; print(solution.answer())"; cat tests/deep/test_it.py',
      }),
    )
    expect(result.output).toBe('1000\n/work\n42\nünïcode = "✓"\n')
    expect(result.exitCode).toBe(0)
  })

  it('reads back the files asked for, cut to outputBytes, leaving out those that are not there', async () => {
    const result = await box.run(
      request({
        outputBytes: 100,
        script:
          'echo "<report/>" > report.xml; head -c 500 /dev/zero | tr "\\0" y > big.txt; mkdir dir',
        collect: ['report.xml', 'big.txt', 'missing.txt', 'dir'],
      }),
    )
    expect(result.files).toEqual({ 'report.xml': '<report/>\n', 'big.txt': 'y'.repeat(100) })
  })

  it('refuses a file path that leaves /work', async () => {
    await expect(
      box.run(request({ script: 'true', files: [{ path: '../etc/x', content: '' }] })),
    ).rejects.toBeInstanceOf(AppError)
  })

  it('keeps outputBytes of output and says it cut the rest', async () => {
    const result = await box.run(
      request({ outputBytes: 1000, script: 'head -c 3000 /dev/zero | tr "\\0" a' }),
    )
    expect(result).toMatchObject({ exitCode: 0, limit: null, outputTruncated: true })
    expect(result.output).toBe('a'.repeat(1000))
  })

  it('turns binary output into text without NUL, and survives a script that closes its output', async () => {
    const junk = await box.run(request({ script: 'printf "a\\000b\\377c"' }))
    expect(junk.output).toBe('a\uFFFDb\uFFFDc')
    const closed = await box.run(
      request({ script: 'exec 1>&- 2>&-; echo lost; echo kept > out.txt', collect: ['out.txt'] }),
    )
    expect(closed).toMatchObject({ output: '', files: { 'out.txt': 'kept\n' }, limit: null })
  })

  it('stops a run at its wall time, start-up included', async () => {
    const result = await box.run(request({ timeoutMs: 1000, script: 'echo start; sleep 30' }))
    expect(result).toMatchObject({
      exitCode: null,
      signal: 'SIGKILL',
      limit: 'time',
      cancelled: false,
    })
    expect(result.output).toBe('start\n')
    expect(result.durationMs).toBeGreaterThanOrEqual(1000)
    expect(result.durationMs).toBeLessThan(3000)
  })

  it('stops a run when its signal aborts, and does not start one already aborted', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const result = await box.run(request({ script: 'sleep 30', signal: controller.signal }))
    expect(result).toMatchObject({ cancelled: true, limit: null, signal: 'SIGKILL' })
    expect(result.durationMs).toBeLessThan(2000)
    const before = await box.run(request({ script: 'echo ran', signal: AbortSignal.abort() }))
    expect(before).toMatchObject({ cancelled: true, output: '', durationMs: 0 })
  })

  it('mounts what is asked read-only, and leaves out host paths that do not exist', async () => {
    const result = await box.run(
      request({
        mounts: [
          { host: host, path: '/opt/data' },
          { host: join(host, 'absent'), path: '/opt/absent' },
        ],
        script: 'cat /opt/data/data.txt; echo x > /opt/data/new.txt || echo read-only; ls /opt',
      }),
    )
    expect(result.output).toMatch(/^from the host\n.*Read-only file system\nread-only\ndata\n$/s)
  })

  it.runIf(process.getuid?.() === 0)(
    'throws, saying why, when bwrap cannot mount a path',
    async () => {
      const closed = mkdtempSync(join(tmpdir(), 'sandbox-closed-'))
      try {
        // Under a folder made by root with mode 0700, which the unprivileged user cannot enter.
        mkdirSync(join(closed, 'inside'))
        const mounts = [{ host: join(closed, 'inside'), path: '/opt/x' }]
        const run = box.run(request({ script: 'true', mounts }))
        await expect(run).rejects.toMatchObject({ code: 'APP_ERR_DEPENDENCY_DOWN' })
        await expect(run).rejects.toThrow(/Permission denied \(the sandbox runs as uid 65534/)
      } finally {
        rmSync(closed, { recursive: true, force: true })
      }
    },
  )

  it('has a writable /tmp and /work, and a read-only /usr', async () => {
    const result = await box.run(
      request({
        script: 'echo a > /tmp/a && echo b > /work/b && echo ok; touch /usr/x || echo ro',
      }),
    )
    expect(result.output).toMatch(/^ok\n.*Read-only file system\nro\n$/s)
  })

  it('refuses new user namespaces inside, and gives the script no capabilities', async () => {
    const result = await box.run(
      request({ script: 'unshare -Ur true || echo refused; grep CapEff /proc/self/status' }),
    )
    expect(result.output).toMatch(/refused\nCapEff:\s+0+\n$/)
  })

  it('sees no network, not even a loopback to the host', async () => {
    const result = await box.run(
      request({ script: 'cat /proc/net/dev | tail -n +3 | cut -d: -f1' }),
    )
    expect(result.output.trim()).toBe('lo')
  })
})

describe('bwrap sandbox without bwrap', () => {
  it('is unavailable and says that bubblewrap is missing', async () => {
    const status = await new BwrapSandbox({ bwrap: '/nonexistent/bwrap' }).probe()
    expect(status.available).toBe(false)
    expect(status.reason).toMatch(/bubblewrap/)
  })
})
