import { open } from 'node:fs/promises'

/** GGUF versions llama.cpp reads (version 1 is long gone). */
const VERSIONS = new Set([2, 3])
/**
 * Counts far above any real model (a 70B model has about 700 tensors and 40 metadata keys).
 * node-llama-cpp's GGUF reader trusts the counts, and a garbage file sends it into a loop that
 * does not end in useful time; these bounds turn such a file away at once.
 */
const MAX_TENSORS = 100_000
const MAX_METADATA_KEYS = 100_000

/**
 * Why the file's first 24 bytes are not a GGUF header llama.cpp can read, or null when they are:
 * magic `GGUF`, version 2 or 3, then the tensor and metadata counts (little-endian).
 */
export async function ggufHeaderProblem(path: string): Promise<string | null> {
  const file = await open(path, 'r')
  try {
    const header = Buffer.alloc(24)
    const { bytesRead } = await file.read(header, 0, header.length, 0)
    if (bytesRead < header.length) return `it is only ${bytesRead} bytes long`
    if (header.toString('latin1', 0, 4) !== 'GGUF') return 'it does not start with the GGUF magic'
    const version = header.readUInt32LE(4)
    if (!VERSIONS.has(version)) return `its GGUF version ${version} is not 2 or 3`
    const tensors = header.readBigUInt64LE(8)
    const keys = header.readBigUInt64LE(16)
    if (tensors > BigInt(MAX_TENSORS)) return `it claims ${tensors} tensors`
    if (keys > BigInt(MAX_METADATA_KEYS)) return `it claims ${keys} metadata keys`
    return null
  } finally {
    await file.close()
  }
}
