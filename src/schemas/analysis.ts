import { z } from 'zod'

export const analysisOptionsSchema = z
  .strictObject({
    cyclomatic_variant: z
      .enum(['classic', 'modified'])
      .optional()
      .describe(
        "ESLint complexity variant for JavaScript/TypeScript; 'modified' counts a switch once",
      ),
    radon_compat: z
      .enum(['6.0', '5.1'])
      .optional()
      .describe("Python: radon 6.0.1 counts match cases (default); '5.1' counts them 0"),
  })
  .meta({ id: 'AnalysisOptions' })

export const analyzeRequestSchema = z
  .strictObject({
    code: z.string().describe('The source code; at most ANALYSIS_MAX_FILE_BYTES (1 MiB) of UTF-8'),
    programming_language: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('Language id or alias; detected from filename when absent'),
    filename: z.string().min(1).max(1024).optional().describe('Used to detect the language'),
    options: analysisOptionsSchema.optional(),
  })
  .meta({ id: 'AnalyzeRequest' })

export const batchAnalyzeRequestSchema = z
  .strictObject({
    files: z
      .array(
        z.strictObject({
          filename: z.string().min(1).max(1024),
          code: z.string(),
          programming_language: z.string().min(1).max(64).optional(),
        }),
      )
      .min(1)
      .max(100),
    options: analysisOptionsSchema.optional(),
  })
  .meta({ id: 'BatchAnalyzeRequest' })

const halsteadSchema = z.looseObject({
  n1: z.number(),
  n2: z.number(),
  N1: z.number(),
  N2: z.number(),
  vocabulary: z.number(),
  length: z.number(),
  volume: z.number(),
  difficulty: z.number(),
  effort: z.number(),
  time: z.number(),
  bugs: z.number(),
})

export const syntaxErrorSchema = z.object({
  line: z.number().int(),
  column: z.number().int(),
  end_line: z.number().int(),
  end_column: z.number().int(),
  message: z.string(),
  source_line: z.string(),
})

const hotspotSchema = z.looseObject({
  line: z.number().int(),
  kind: z.string(),
  reason: z.string(),
})

const performanceSchema = z
  .looseObject({
    time_complexity: z.string(),
    loop_depth: z.number().int(),
    recursion: z.string(),
    hotspots: z.array(hotspotSchema),
    estimated: z.literal(true),
  })
  .describe('A static estimate from loop nesting and recursion, not a measurement')

export const analysisReportSchema = z
  .looseObject({
    programming_language: z.string(),
    filename: z.string().optional(),
    syntax_valid: z.boolean(),
    syntax_errors: z.array(syntaxErrorSchema),
    metrics: z.looseObject({
      lines: z.looseObject({
        total: z.number(),
        code: z.number(),
        logical: z.number(),
        comment: z.number(),
        blank: z.number(),
      }),
      cyclomatic_complexity: z.looseObject({
        total: z.number(),
        average: z.number(),
        max: z.number(),
      }),
      cognitive_complexity: z.looseObject({
        total: z.number(),
        average: z.number(),
        max: z.number(),
      }),
      halstead: halsteadSchema,
      maintainability_index: z.number(),
      maintainability_rank: z.enum(['A', 'B', 'C']),
    }),
    functions: z.array(
      z.looseObject({
        name: z.string(),
        qualified_name: z.string(),
        kind: z.string(),
        start_line: z.number().int(),
        end_line: z.number().int(),
        cyclomatic_complexity: z.number().int(),
        cognitive_complexity: z.number().int(),
        parameters: z.number().int(),
        max_nesting_depth: z.number().int(),
        nloc: z.number().int(),
        halstead: halsteadSchema,
        performance: performanceSchema,
      }),
    ),
    classes: z.array(z.looseObject({ name: z.string(), qualified_name: z.string() })),
    performance: z.looseObject({
      time_complexity: z.string(),
      worst_function: z.string().nullable(),
      hotspots: z.array(hotspotSchema),
      estimated: z.literal(true),
    }),
    issues: z.array(
      z.looseObject({
        rule: z.string(),
        severity: z.enum(['error', 'warning', 'info']),
        message: z.string(),
        line: z.number().int(),
      }),
    ),
    readability: z.looseObject({ score: z.number(), breakdown: z.record(z.string(), z.unknown()) }),
    reference: z.record(z.string(), z.string()),
  })
  .meta({ id: 'AnalysisReport' })

export const batchAnalyzeResponseSchema = z
  .object({
    results: z.array(
      z.object({
        index: z.number().int(),
        filename: z.string(),
        status: z.enum(['ok', 'error']),
        result: analysisReportSchema.optional(),
        error: z
          .looseObject({ code: z.string(), detail: z.string(), status_code: z.number() })
          .optional(),
      }),
    ),
    summary: z.looseObject({
      files: z.number().int(),
      analysed: z.number().int(),
      failed: z.number().int(),
      syntax_invalid: z.number().int(),
    }),
  })
  .meta({ id: 'BatchAnalyzeResponse' })
