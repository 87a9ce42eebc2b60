import { randomUUID } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { homedir, networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import type { SandboxRequest, SandboxResult } from '../../src/ports/sandbox.js'
import { hostProcesses, request, sandboxOrSkip, withLoopWatch } from './helpers.js'

const sandbox = await sandboxOrSkip()

/** The longest the test process's event loop may stall while a hostile run goes on. */
const LOOP_GAP_MS = 500

/**
 * Code that attacks the sandbox, one attack per case (issue 11, "The sandbox"). Each must be
 * contained, leave nothing running on the host, and never stall this process's event loop.
 */
describe.runIf(sandbox)('sandbox red team', () => {
  const host = mkdtempSync(join(tmpdir(), 'sandbox-red-team-'))
  const marker = `rt${randomUUID().replaceAll('-', '')}`
  afterAll(() => rmSync(host, { recursive: true, force: true }))

  async function attack(
    overrides: Partial<SandboxRequest> & { script: string },
  ): Promise<SandboxResult> {
    const { value, maxGapMs } = await withLoopWatch(() => sandbox!.run(request(overrides)))
    expect(maxGapMs).toBeLessThan(LOOP_GAP_MS)
    expect(await hostProcesses(marker)).toEqual([])
    return value
  }

  it('reading the environment finds none of the server’s secrets', async () => {
    const secrets = {
      OPENAI_API_KEY: `sk-${marker}`,
      DATABASE_URL: `postgres://verigen:${marker}@127.0.0.1/verigen`,
      REDIS_URL: `redis://:${marker}@127.0.0.1:6379`,
    }
    Object.assign(process.env, secrets)
    try {
      const result = await attack({
        script: `env; cat /proc/self/environ /proc/1/environ; for f in /proc/*/environ; do cat "$f"; done 2>/dev/null`,
      })
      expect(result.output).toContain('PATH=/usr/bin:/bin')
      expect(result.output).not.toContain(marker)
    } finally {
      for (const name of Object.keys(secrets)) delete process.env[name]
    }
  })

  it('/etc/shadow cannot be read', async () => {
    const result = await attack({ script: 'cat /etc/shadow; ls /etc' })
    expect(result.output).toContain('/etc/shadow: No such file or directory')
    expect(result.output).not.toMatch(/^root:/m)
  })

  it('the server’s .env, database, working directory and home cannot be reached', async () => {
    const project = join(host, 'project')
    mkdirSync(join(project, 'data'), { recursive: true })
    writeFileSync(join(project, '.env'), `OPENAI_API_KEY=sk-${marker}\n`)
    const database = new Database(join(project, 'data', 'verigen.db'))
    database.exec(`CREATE TABLE secrets (value TEXT); INSERT INTO secrets VALUES ('${marker}')`)
    database.close()
    // Readable by anyone on the host: the sandbox must hide them by not mounting them at all.
    for (const path of [host, project, join(project, 'data')]) chmodSync(path, 0o755)
    const previous = process.cwd()
    process.chdir(project)
    try {
      const result = await attack({
        script: [
          `cat ${project}/.env ${project}/data/verigen.db ./.env ../.env ${homedir()}/.bashrc`,
          `/usr/bin/python3 -c "import sqlite3; print(sqlite3.connect('file:${project}/data/verigen.db?mode=ro', uri=True).execute('select * from secrets').fetchall())"`,
          'ls -la / /work; find / -name ".env" -o -name "*.db" 2>/dev/null | grep -v ^/proc',
        ].join('; '),
      })
      expect(result.output).toContain(`${project}/.env: No such file or directory`)
      expect(result.output).toContain('unable to open database file')
      expect(result.output).toContain(`${homedir()}/.bashrc: No such file or directory`)
      expect(result.output).not.toContain(marker)
    } finally {
      process.chdir(previous)
    }
  })

  it('a port on 127.0.0.1 where the host listens cannot be reached, nor the host’s addresses', async () => {
    const connections: Socket[] = []
    const server = createServer((socket) => {
      connections.push(socket)
      socket.destroy()
    })
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve))
    const { port } = server.address() as { port: number }
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((entry) => entry?.family === 'IPv4')
      .map((entry) => entry!.address)
    try {
      const probe = [
        'import socket',
        `for host in ${JSON.stringify(['127.0.0.1', ...addresses])}:`,
        '    try:',
        `        socket.create_connection((host, ${port}), timeout=2)`,
        "        print('connected', host)",
        '    except OSError as error:',
        "        print('refused', host, error)",
      ].join('\n')
      const result = await attack({
        files: [{ path: 'probe.py', content: probe }],
        script: '/usr/bin/python3 probe.py',
      })
      expect(result.output).not.toContain('connected')
      expect(result.output).toContain('refused 127.0.0.1')
      expect(connections).toHaveLength(0)
    } finally {
      server.close()
    }
  })

  it('writing outside the sandbox changes nothing on the host', async () => {
    const target = join(host, 'untouched.txt')
    writeFileSync(target, 'original\n')
    chmodSync(host, 0o777)
    chmodSync(target, 0o666)
    const result = await attack({
      script: `echo pwned > ${target}; echo pwned > ${host}/new.txt; echo pwned > /usr/pwned-${marker}; echo pwned >> /etc/passwd; echo done`,
    })
    expect(result.output).toContain('done')
    expect(readFileSync(target, 'utf8')).toBe('original\n')
    expect(existsSync(join(host, 'new.txt'))).toBe(false)
    expect(existsSync(`/usr/pwned-${marker}`)).toBe(false)
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain('pwned')
  })

  it('a fork bomb is stopped at the process limit and cleaned up', async () => {
    const started = performance.now()
    // A run beside the bomb still gets its processes: the limit is per run.
    const [result, neighbour] = await Promise.all([
      attack({
        timeoutMs: 5000,
        script: `: ${marker}; bomb() { bomb | bomb & }; bomb; sleep 2; echo survived`,
      }),
      new Promise((resolve) => setTimeout(resolve, 500)).then(() =>
        sandbox!.run(
          request({ script: 'for i in 1 2 3 4 5 6 7 8; do sleep 0.1 & done; wait; echo ok' }),
        ),
      ),
    ])
    expect(result.output).toMatch(/Cannot fork|Resource temporarily unavailable/)
    expect(performance.now() - started).toBeLessThan(8000)
    expect(neighbour).toMatchObject({ exitCode: 0, output: 'ok\n' })
  })

  it('allocating 4 GB is stopped at the memory limit', async () => {
    const result = await attack({
      memoryMb: 256,
      script: `/usr/bin/python3 -c "data = b'x' * (4 * 1024**3); print('allocated', len(data))"`,
    })
    expect(result.output).not.toContain('allocated')
    expect(result.exitCode).not.toBe(0)
    // With a memory cgroup the kernel's OOM kill is reported; without one, RLIMIT_DATA fails the allocation.
    if (process.getuid?.() === 0) expect(result.limit).toBe('memory')
  })

  it('printing 100 MB is cut at outputBytes and the run stopped', async () => {
    const started = performance.now()
    const result = await attack({
      outputBytes: 64 * 1024,
      script: `/usr/bin/python3 -c "import sys; sys.stdout.write('x' * (100 * 1024 * 1024))"`,
    })
    expect(result).toMatchObject({ limit: 'output', outputTruncated: true, exitCode: null })
    expect(result.output).toHaveLength(64 * 1024)
    expect(performance.now() - started).toBeLessThan(5000)
  })

  it('an infinite loop is stopped at the time limit', async () => {
    const result = await attack({ timeoutMs: 1500, script: `: ${marker}; while :; do :; done` })
    expect(result).toMatchObject({ limit: 'time', signal: 'SIGKILL' })
    expect(result.durationMs).toBeLessThan(4000)
  })

  it('a symlink pointing out of the sandbox reads nothing of the host', async () => {
    writeFileSync(join(host, 'secret.txt'), `${marker}\n`, { mode: 0o644 })
    chmodSync(host, 0o755)
    const result = await attack({
      script: `ln -s /etc/shadow shadow; ln -s ${host}/secret.txt secret; ln -s /proc/1/root/etc root; cat shadow secret; ls root`,
      collect: ['shadow', 'secret', 'root/passwd'],
    })
    expect(result.output).not.toContain(marker)
    expect(result.output).not.toMatch(/^root:/m)
    expect(result.files).not.toHaveProperty('shadow')
    expect(result.files).not.toHaveProperty('secret')
    // /proc/1 is the sandbox's own init: its root is the sandbox's.
    expect(result.files['root/passwd']).toMatch(
      /^root:x:0:0:root:\/root:\/usr\/sbin\/nologin\nsandbox:x:1000/,
    )
  })

  it('a process that daemonises does not outlive the run', async () => {
    const result = await attack({
      script: [
        `setsid nohup /usr/bin/python3 -c "import time; time.sleep(300)" ${marker} >/dev/null 2>&1 &`,
        `(nohup /usr/bin/python3 -c "import time; time.sleep(300)" ${marker} &)`,
        `/usr/bin/python3 -c "import os,time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, 256); time.sleep(300)
    os._exit(0)
" ${marker}`,
        'echo detached',
      ].join('\n'),
    })
    expect(result).toMatchObject({ exitCode: 0, output: 'detached\n' })
  })
})
