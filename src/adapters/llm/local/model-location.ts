import { access } from 'node:fs/promises'
import { basename } from 'node:path'
import { pullModel } from '../../../models/download.js'
import { modelFilePath, parseModelSource } from '../../../models/source.js'

/** Where the model file is and, for a URL or hf: source, how to fetch it. */
export interface ModelLocation {
  /** The file llama.cpp loads. */
  path: string
  /** Its name, the only part of the path that reports show. */
  fileName: string
  /** Whether the file is downloaded from `LOCAL_MODEL` when missing. */
  remote: boolean
  /** Whether the file is there. */
  present(): Promise<boolean>
  /** Downloads the file (resuming a partial one); `onProgress` gets 0..1, or null without a size. */
  pull(options: {
    signal: AbortSignal
    onProgress: (fraction: number | null) => void
  }): Promise<void>
}

/** The location of `LOCAL_MODEL` (`source`): a path as is, a URL or hf: file in `modelsDir`. */
export function resolveModelLocation(settings: {
  source: string
  modelsDir: string
  hfEndpoint: string
}): ModelLocation {
  const source = parseModelSource(settings.source)
  const path = modelFilePath(source, settings.modelsDir)
  return {
    path,
    fileName: basename(path),
    remote: source.kind !== 'path',
    present: () =>
      access(path).then(
        () => true,
        () => false,
      ),
    pull: async ({ signal, onProgress }) => {
      await pullModel(source, {
        modelsDir: settings.modelsDir,
        hfEndpoint: settings.hfEndpoint,
        signal,
        onProgress: (progress) =>
          onProgress(progress.total ? Math.min(1, progress.received / progress.total) : null),
      })
    },
  }
}
