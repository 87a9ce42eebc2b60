import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'

const COMPRESSIBLE = /\.(?:js|css|html|svg|json|map)$/
/** Below this, the headers of a compressed answer cost more than they save. */
const SMALLEST = 1024

/**
 * Writes `.br` and `.gz` next to every text asset of the build, once, at the highest levels:
 * the server sends them as they are (`preCompressed`), so no request pays for compression.
 */
export function precompress(): Plugin {
  let outDir = ''
  return {
    name: 'verigen-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    async closeBundle(error) {
      // A failed build wrote nothing: its own error is the one to see.
      if (error || !existsSync(outDir)) return
      for (const file of await filesUnder(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue
        const content = await readFile(file)
        if (content.length < SMALLEST) continue
        await writeFile(
          `${file}.br`,
          brotliCompressSync(content, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
            },
          }),
        )
        await writeFile(`${file}.gz`, gzipSync(content, { level: 9 }))
      }
    },
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
}
