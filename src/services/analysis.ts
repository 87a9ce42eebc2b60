import type { AnalysisReport } from '../analysis/engine.js'
import type { Language, LanguageRegistry } from '../analysis/language-registry.js'
import type { ProfileOptions } from '../analysis/profiles/profile.js'
import type { AnalysisPool, RunContext } from '../analysis/worker-pool.js'
import { AppError, toAppError, toErrorBody } from '../errors.js'

export interface AnalysisRequest {
  code: string
  programming_language?: string | undefined
  filename?: string | undefined
  options?: ProfileOptions | undefined
}

export interface AnalysisLimits {
  maxFileBytes: number
  /** Time of one batch, waiting included. */
  batchTimeoutMs: number
}

/** One file of a batch. */
export interface BatchFile {
  filename: string
  code: string
  programming_language?: string | undefined
}

/** What can call an analysis off: the client leaving, for one. */
export interface AnalysisContext {
  signal?: AbortSignal | undefined
}

/** A batch's request: a failed file answers the API's error body, with the request's id. */
export interface BatchContext extends AnalysisContext {
  requestId: string
  /** Told of a file that failed for a reason the catalogue does not know (for the log). */
  onUnexpected?: ((error: unknown, filename: string) => void) | undefined
}

/**
 * The analysis use case: resolve the language, enforce the size limit, analyse in a worker
 * process. Every analysis runs there, however small: a few kilobytes of nested brackets take
 * seconds to analyse, and only a process can be stopped at ANALYSIS_TIMEOUT_MS.
 */
export class AnalysisService {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly pool: AnalysisPool,
    private readonly limits: AnalysisLimits,
  ) {}

  /** The language a request names, or the one its file name (and, for `.h`, its code) implies. */
  languageOf(
    request: Pick<AnalysisRequest, 'programming_language' | 'filename'> & { code?: string },
  ): Language {
    if (request.programming_language) return this.languages.resolve(request.programming_language)
    const detected = request.filename
      ? this.languages.detect(request.filename, request.code)
      : undefined
    if (detected) return detected
    const what = request.filename ? `the file name '${request.filename}'` : 'the request'
    throw new AppError(
      'APP_ERR_LANGUAGE_UNDETECTED',
      `Cannot tell the programming language from ${what}; pass programming_language (supported: ${this.languages.ids.join(', ')})`,
      { extra: { supported_languages: this.languages.ids } },
    )
  }

  /**
   * The report as JSON text, serialised in the worker, so that the request thread only forwards
   * the text and is never held up by a big report.
   */
  async analyzeToJson(request: AnalysisRequest, context: AnalysisContext = {}): Promise<string> {
    const { json } = await this.run(request, { signal: context.signal })
    return withFilename(request.filename, json)
  }

  /** The report as an object (the generation pipeline's parse gate). */
  async analyze(
    request: AnalysisRequest,
    context: AnalysisContext = {},
  ): Promise<AnalysisReport & { filename?: string }> {
    const { json } = await this.run(request, { signal: context.signal })
    const report = JSON.parse(json) as AnalysisReport
    return request.filename ? { filename: request.filename, ...report } : report
  }

  /**
   * A batch answer as JSON text (the shape of `batchAnalyzeResponseSchema`). The files wait in
   * one line of the pool, which serves it in turn with every other request, and the whole
   * batch has `batchTimeoutMs`: a file not done by then answers APP_ERR_ANALYSIS_TIMEOUT, the
   * files done keep their reports. One file failing never fails the others; its `error` is the
   * API's error body, as an HTTP answer would carry it.
   */
  async analyzeBatchToJson(
    files: readonly BatchFile[],
    options: ProfileOptions,
    context: BatchContext,
  ): Promise<string> {
    const budget = this.limits.batchTimeoutMs
    const expired = new AbortController()
    const timer = setTimeout(
      () =>
        expired.abort(
          new AppError(
            'APP_ERR_ANALYSIS_TIMEOUT',
            `The batch did not finish within ${budget} ms (ANALYSIS_BATCH_TIMEOUT_MS); this file was not analysed in time`,
          ),
        ),
      budget,
    )
    const signal = context.signal
      ? AbortSignal.any([context.signal, expired.signal])
      : expired.signal
    const queue = {}
    try {
      const results = await Promise.all(
        files.map(async (file) => {
          try {
            return await this.run({ ...file, options }, { queue, signal })
          } catch (error) {
            if (!(error instanceof AppError)) context.onUnexpected?.(error, file.filename)
            return { failure: toErrorBody(toAppError(error), context.requestId) }
          }
        }),
      )
      let analysed = 0
      let syntaxInvalid = 0
      const items = results.map((result, index) => {
        const filename = files[index]!.filename
        const head = `{"index":${index},"filename":${JSON.stringify(filename)}`
        if ('failure' in result) {
          return `${head},"status":"error","error":${JSON.stringify(result.failure)}}`
        }
        analysed++
        if (!result.syntaxValid) syntaxInvalid++
        return `${head},"status":"ok","result":${withFilename(filename, result.json)}}`
      })
      const summary = {
        files: files.length,
        analysed,
        failed: files.length - analysed,
        syntax_invalid: syntaxInvalid,
      }
      return `{"results":[${items.join(',')}],"summary":${JSON.stringify(summary)}}`
    } finally {
      clearTimeout(timer)
    }
  }

  private run(request: AnalysisRequest, context: RunContext) {
    const language = this.languageOf(request)
    const bytes = Buffer.byteLength(request.code, 'utf8')
    if (bytes > this.limits.maxFileBytes) {
      throw new AppError(
        'APP_ERR_BODY_TOO_LARGE',
        `The code is ${bytes} bytes; the limit is ${this.limits.maxFileBytes} bytes (ANALYSIS_MAX_FILE_BYTES)`,
      )
    }
    return this.pool.run(request.code, language.id, request.options ?? {}, context)
  }
}

function withFilename(filename: string | undefined, json: string): string {
  return filename ? `{"filename":${JSON.stringify(filename)},${json.slice(1)}` : json
}
