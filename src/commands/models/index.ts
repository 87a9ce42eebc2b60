import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { AppError } from '../../errors.js'
import { defaultModelFile, listModelFiles } from '../../models/catalogue.js'
import { pullModel } from '../../models/download.js'
import { RECOMMENDED_MODEL } from '../../models/recommended.js'
import { describeSource, parseModelSource } from '../../models/source.js'
import { DownloadProgress, formatBytes } from './progress.js'
import { MODELS_USAGE } from './usage.js'

export { MODELS_USAGE } from './usage.js'

/** Where models live and where `hf:` sources are fetched from (`LOCAL_MODELS_DIR`, `HF_ENDPOINT`). */
export interface ModelsSettings {
  modelsDir: string
  hfEndpoint: string
}

/** The models folder and Hugging Face endpoint of the configuration (environment and `.env`). */
async function configuredSettings(): Promise<ModelsSettings> {
  const { llm } = (await import('../../config.js')).loadConfig()
  return { modelsDir: llm.local.modelsDir, hfEndpoint: llm.local.hfEndpoint }
}

function usageError(message: string): number {
  console.error(`verigen models: ${message}\n\n${MODELS_USAGE}`)
  return 2
}

async function pull(uri: string, sha256: string | undefined, settings: ModelsSettings) {
  const source = parseModelSource(uri)
  const progress = new DownloadProgress()
  const controller = new AbortController()
  const onInterrupt = () => controller.abort(new Error('interrupted'))
  process.once('SIGINT', onInterrupt)
  console.error(`verigen models pull: ${describeSource(source)} → ${settings.modelsDir}`)
  try {
    const result = await pullModel(source, {
      ...settings,
      sha256,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
    })
    progress.end()
    const how = {
      sha256: 'verified against its SHA-256',
      size: 'size verified (no checksum announced)',
      none: 'not verified (no size or checksum known)',
    }[result.verified]
    console.log(`Model: ${result.path}`)
    console.log(`Size: ${formatBytes(result.bytes)} (${result.bytes} bytes)`)
    if (result.sha256) console.log(`SHA-256: ${result.sha256}`)
    const note = result.alreadyPresent
      ? '; already present, not downloaded again'
      : result.resumed
        ? '; resumed an interrupted download'
        : ''
    console.log(`Check: ${how}${note}`)
    console.log(
      `Next: npm start; with no other provider configured it runs the folder's default model (verigen models list), or set LOCAL_MODEL=${result.path}`,
    )
    return 0
  } catch (error) {
    progress.end()
    if (controller.signal.aborted) {
      console.error(
        'verigen models pull: stopped; the partial download is kept, run the same command to resume',
      )
      return 130
    }
    throw error
  } finally {
    process.removeListener('SIGINT', onInterrupt)
  }
}

function list(json: boolean, settings: ModelsSettings): number {
  const files = listModelFiles(settings.modelsDir)
  const chosen = defaultModelFile(settings.modelsDir)?.name ?? null
  if (json) {
    const models = files.map((file) => ({
      name: file.name,
      path: file.path,
      bytes: file.bytes,
      modified_at: file.modifiedAt.toISOString(),
      sha256: file.sha256,
      verified: file.sha256 !== null,
      default: file.name === chosen,
    }))
    console.log(JSON.stringify({ dir: settings.modelsDir, models }, null, 2))
    return 0
  }
  if (files.length === 0) {
    console.log(`No models in ${settings.modelsDir}; run: verigen models pull`)
    return 0
  }
  console.log(`Models in ${settings.modelsDir}:`)
  for (const file of files) {
    const check = file.sha256 ? `sha256 ${file.sha256.slice(0, 12)}… verified` : 'not verified'
    const mark = file.name === chosen ? '  (default)' : ''
    console.log(`  ${file.name}  ${formatBytes(file.bytes)}  ${check}${mark}`)
  }
  return 0
}

/**
 * `verigen models pull [URI]` and `verigen models list`; returns the exit code. `settings`
 * (the models folder and Hugging Face endpoint) default to the configuration's.
 */
export async function modelsCommand(argv: string[], settings?: ModelsSettings): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        sha256: { type: 'string' },
        dir: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    return usageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    console.log(MODELS_USAGE)
    return 0
  }
  const [action, ...rest] = positionals
  try {
    const base = settings ?? (await configuredSettings())
    const effective = { ...base, modelsDir: resolve(values.dir ?? base.modelsDir) }
    if (action === 'pull') {
      if (rest.length > 1) return usageError(`pull takes one URI, got ${rest.length}`)
      if (values.json) return usageError('--json is for list')
      return await pull(rest[0] ?? RECOMMENDED_MODEL.uri, values.sha256, effective)
    }
    if (action === 'list') {
      if (rest.length > 0 || values.sha256 !== undefined)
        return usageError('list takes no URI and no --sha256')
      return list(values.json === true, effective)
    }
    return usageError(action === undefined ? 'pull or list?' : `unknown action '${action}'`)
  } catch (error) {
    if (error instanceof AppError) {
      console.error(`verigen models: ${error.message}`)
      return error.code === 'APP_ERR_VALIDATION' ? 2 : 1
    }
    throw error
  }
}
