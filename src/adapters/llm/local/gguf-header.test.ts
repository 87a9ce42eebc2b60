import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ggufHeaderProblem } from './gguf-header.js'

function header(magic: string, version: number, tensors: bigint, keys: bigint): Buffer {
  const buffer = Buffer.alloc(32)
  buffer.write(magic, 0, 'latin1')
  buffer.writeUInt32LE(version, 4)
  buffer.writeBigUInt64LE(tensors, 8)
  buffer.writeBigUInt64LE(keys, 16)
  return buffer
}

async function problemOf(content: Buffer): Promise<string | null> {
  const dir = await mkdtemp(join(tmpdir(), 'verigen-gguf-header-'))
  const path = join(dir, 'model.gguf')
  await writeFile(path, content)
  return ggufHeaderProblem(path)
}

describe('ggufHeaderProblem', () => {
  test('accepts a version 3 header with plausible counts', async () => {
    expect(await problemOf(header('GGUF', 3, 291n, 24n))).toBeNull()
  })

  test.each([
    [Buffer.from('GGUF'), 'only 4 bytes'],
    [header('GGML', 3, 1n, 1n), 'GGUF magic'],
    [header('GGUF', 1953849888, 1n, 1n), 'version 1953849888'],
    [header('GGUF', 3, 2n ** 40n, 1n), 'tensors'],
    [header('GGUF', 3, 1n, 2n ** 62n), 'metadata keys'],
  ])('refuses a broken header (%#)', async (content, problem) => {
    expect(await problemOf(content)).toContain(problem)
  })
})
