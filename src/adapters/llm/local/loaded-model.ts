import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { ChatWrapper, Llama, LlamaChat, LlamaContext, LlamaModel } from 'node-llama-cpp'
import { AppError } from '../../../errors.js'
import { LOCAL_MODEL_PULL_COMMAND } from '../../../llm-providers.js'
import type { Logger } from '../../../ports/logger.js'
import { grammarsFor, type CodeBlockGrammars } from './code-block-grammar.js'
import { ggufHeaderProblem } from './gguf-header.js'
import { loadLlama, loadRuntime, type LlamaRuntime } from './runtime.js'
import { SlotPool } from './slot-pool.js'

/** Context size used when LOCAL_CONTEXT_SIZE is unset and the model was trained on more. */
export const DEFAULT_CONTEXT_LIMIT = 8192

/** One generation slot: a context sequence and the chat that renders prompts onto it. */
export interface Slot {
  chat: LlamaChat
}

/** A model in memory with its context and slots. */
export interface LoadedModel {
  llama: Llama
  model: LlamaModel
  context: LlamaContext
  pool: SlotPool<Slot>
  slots: readonly Slot[]
  grammars: CodeBlockGrammars
  /** Tokens each slot holds (llama.cpp may round the requested size up). */
  contextSize: number
  bytes: number
  loadedAt: Date
}

export interface LoadOptions {
  path: string
  sequences: number
  contextSize: number | null
  threads: number | null
  gpu: 'auto' | false
  logger: Logger
}

/** What to do when the model file is not usable. */
export const PULL_HINT = `download one with '${LOCAL_MODEL_PULL_COMMAND}' or set LOCAL_MODEL to a GGUF file`

/**
 * The size of a readable model file.
 * @throws AppError `APP_ERR_PROVIDER_UNAVAILABLE` naming the file and what to do
 */
export async function modelFileBytes(path: string): Promise<number> {
  const name = basename(path)
  let info
  try {
    info = await stat(path)
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `The local model file '${name}' ${missing ? 'does not exist' : 'cannot be read'}; ${PULL_HINT}`,
      { cause: error },
    )
  }
  if (!info.isFile()) {
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `The local model path '${name}' is not a file; ${PULL_HINT}`,
    )
  }
  return info.size
}

/**
 * Loads the model file and creates one context with a sequence per generation slot, each of
 * `contextSize` tokens (node-llama-cpp 3.21 sizes a context's cells as contextSize × sequences,
 * in LlamaContext's constructor, so the size given is per sequence).
 * @throws AppError `APP_ERR_PROVIDER_UNAVAILABLE` for a missing or invalid file, a runtime that
 *   cannot load, or a context that does not fit in memory
 */
export async function loadModel(options: LoadOptions): Promise<LoadedModel> {
  const bytes = await modelFileBytes(options.path)
  const name = basename(options.path)
  const problem = await ggufHeaderProblem(options.path).catch((error: unknown) => firstLine(error))
  if (problem !== null) {
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `The local model file '${name}' is not a model llama.cpp can load (${problem}); ${PULL_HINT}`,
    )
  }
  const [runtime, llama] = await Promise.all([
    loadRuntime(),
    loadLlama(options.gpu, options.logger),
  ])
  let model: LlamaModel
  try {
    model = await llama.loadModel({ modelPath: options.path })
  } catch (error) {
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `The local model file '${name}' is not a model llama.cpp can load ('${firstLine(error)}'); ${PULL_HINT}`,
      { cause: error },
    )
  }
  const contextSize = options.contextSize ?? Math.min(model.trainContextSize, DEFAULT_CONTEXT_LIMIT)
  let context: LlamaContext
  try {
    context = await model.createContext({
      sequences: options.sequences,
      contextSize,
      // node-llama-cpp's own default is its thread ceiling, twice the cores here; llama.cpp's
      // threads spin while they wait for each other, so more threads than cores is far slower.
      threads: options.threads ?? llama.cpuMathCores,
    })
  } catch (error) {
    await model.dispose()
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `The local model's context of ${contextSize} tokens × ${options.sequences} sequences could not be created ('${firstLine(error)}'); lower LOCAL_CONTEXT_SIZE or GENERATION_CONCURRENCY`,
      { cause: error },
    )
  }
  const chatWrapper = chatWrapperFor(runtime, model, options.path, bytes)
  const slots: Slot[] = []
  for (let index = 0; index < options.sequences; index++) {
    slots.push({
      chat: new runtime.LlamaChat({ contextSequence: context.getSequence(), chatWrapper }),
    })
  }
  return {
    llama,
    model,
    context,
    pool: new SlotPool(slots),
    slots,
    grammars: grammarsFor(llama),
    contextSize: context.contextSize,
    bytes,
    loadedAt: new Date(),
  }
}

const chatWrappers = new Map<string, ChatWrapper>()

/**
 * The chat template of the model, resolved once per model file. node-llama-cpp's resolution
 * renders the GGUF's Jinja template against each known wrapper, synchronously: 0.5 to 1 s on
 * the 2-core machine the tests run on (the tiny test model), which a LlamaChat per sequence would
 * repeat and which blocks the event loop. Built-in wrappers are plain settings, so they are kept
 * across reloads of the same file; template-based ones hold the model's tokenizer and are not.
 */
function chatWrapperFor(
  runtime: LlamaRuntime,
  model: LlamaModel,
  path: string,
  bytes: number,
): ChatWrapper {
  const key = `${path}\n${bytes}`
  const known = chatWrappers.get(key)
  if (known) return known
  const wrapper = runtime.resolveChatWrapper(model)
  const tokenizerBound =
    wrapper instanceof runtime.JinjaTemplateChatWrapper ||
    wrapper instanceof runtime.TemplateChatWrapper
  if (!tokenizerBound) chatWrappers.set(key, wrapper)
  return wrapper
}

/** Frees the context and the model's memory; the binding stays for the next load. */
export async function disposeModel(loaded: LoadedModel): Promise<void> {
  for (const slot of loaded.slots) slot.chat.dispose({ disposeSequence: true })
  await loaded.context.dispose()
  await loaded.model.dispose()
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return (text.split('\n')[0] ?? '').slice(0, 200)
}
