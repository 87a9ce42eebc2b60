import type * as NodeLlamaCpp from 'node-llama-cpp'
import type { Llama } from 'node-llama-cpp'
import { AppError } from '../../../errors.js'
import type { Logger } from '../../../ports/logger.js'

/** The node-llama-cpp module, typed without importing it at load time. */
export type LlamaRuntime = typeof NodeLlamaCpp

let runtime: Promise<LlamaRuntime> | null = null
const instances = new Map<'auto' | false, Promise<Llama>>()

/**
 * node-llama-cpp, imported on first use only: its native binding costs start-up time and may not
 * load at all on some machines, which must not stop a server that uses a remote provider.
 */
export function loadRuntime(): Promise<LlamaRuntime> {
  runtime ??= import('node-llama-cpp').catch((error: unknown) => {
    runtime = null
    throw unavailableRuntime(error)
  })
  return runtime
}

/**
 * The process's llama.cpp binding for a GPU choice, created once. It never builds or downloads
 * anything (`build: 'never'`): the prebuilt binaries installed by npm are used, or it fails.
 */
export function loadLlama(gpu: 'auto' | false, logger: Logger): Promise<Llama> {
  let llama = instances.get(gpu)
  if (!llama) {
    llama = loadRuntime()
      .then((module) =>
        module.getLlama({
          gpu,
          build: 'never',
          progressLogs: false,
          logLevel: module.LlamaLogLevel.warn,
          logger: (level, message) => {
            const text = message.trim()
            if (text === '') return
            if (level === module.LlamaLogLevel.error || level === module.LlamaLogLevel.fatal) {
              logger.error({ llama_message: text }, 'llama.cpp reported an error')
            } else {
              logger.debug({ llama_level: level, llama_message: text }, 'llama.cpp log')
            }
          },
        }),
      )
      .catch((error: unknown) => {
        instances.delete(gpu)
        throw error instanceof AppError ? error : unavailableRuntime(error)
      })
    instances.set(gpu, llama)
  }
  return llama
}

function unavailableRuntime(error: unknown): AppError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
  return new AppError(
    'APP_ERR_PROVIDER_UNAVAILABLE',
    `The local model runtime (node-llama-cpp) cannot load on this machine ('${reason}'); reinstall with 'npm ci' or choose a remote provider with LLM_PROVIDER`,
    { cause: error },
  )
}
