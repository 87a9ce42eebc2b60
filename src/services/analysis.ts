import type { AnalysisReport } from '../analysis/engine.js'
import { analyzeSource } from '../analysis/engine.js'
import type { Language, LanguageRegistry } from '../analysis/language-registry.js'
import type { ProfileOptions } from '../analysis/profiles/profile.js'
import type { AnalysisPool } from '../analysis/worker-pool.js'
import { AppError } from '../errors.js'

export interface AnalysisRequest {
  code: string
  programming_language?: string | undefined
  filename?: string | undefined
  options?: ProfileOptions | undefined
}

export interface AnalysisLimits {
  maxFileBytes: number
  inlineMaxBytes: number
}

/** The analysis use case: resolve the language, enforce the size limit, analyse on or off thread. */
export class AnalysisService {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly pool: AnalysisPool,
    private readonly limits: AnalysisLimits,
  ) {}

  /** The language a request names, or the one its file name implies. */
  languageOf(request: Pick<AnalysisRequest, 'programming_language' | 'filename'>): Language {
    if (request.programming_language) return this.languages.resolve(request.programming_language)
    const detected = request.filename ? this.languages.detect(request.filename) : undefined
    if (detected) return detected
    const what = request.filename ? `the file name '${request.filename}'` : 'the request'
    throw new AppError(
      'APP_ERR_LANGUAGE_UNDETECTED',
      `Cannot tell the programming language from ${what}; pass programming_language (supported: ${this.languages.ids.join(', ')})`,
      { extra: { supported_languages: this.languages.ids } },
    )
  }

  /**
   * The report as JSON text. Large inputs are analysed and serialised in a worker, so that the
   * request thread only forwards the text and is never held up by a big report.
   */
  async analyzeToJson(request: AnalysisRequest): Promise<string> {
    const { language, bytes, options } = this.prepare(request)
    const json =
      bytes <= this.limits.inlineMaxBytes
        ? JSON.stringify(await analyzeSource(request.code, language, options))
        : await this.pool.run(request.code, language.id, options)
    return request.filename
      ? `{"filename":${JSON.stringify(request.filename)},${json.slice(1)}`
      : json
  }

  async analyze(request: AnalysisRequest): Promise<AnalysisReport & { filename?: string }> {
    const { language, bytes, options } = this.prepare(request)
    // Small inputs take a few milliseconds: cheaper here than a round trip to a worker.
    const report =
      bytes <= this.limits.inlineMaxBytes
        ? await analyzeSource(request.code, language, options)
        : (JSON.parse(await this.pool.run(request.code, language.id, options)) as AnalysisReport)
    return request.filename ? { filename: request.filename, ...report } : report
  }

  private prepare(request: AnalysisRequest) {
    const language = this.languageOf(request)
    const bytes = Buffer.byteLength(request.code, 'utf8')
    if (bytes > this.limits.maxFileBytes) {
      throw new AppError(
        'APP_ERR_BODY_TOO_LARGE',
        `The code is ${bytes} bytes; the limit is ${this.limits.maxFileBytes} bytes (ANALYSIS_MAX_FILE_BYTES)`,
      )
    }
    return { language, bytes, options: request.options ?? {} }
  }
}
