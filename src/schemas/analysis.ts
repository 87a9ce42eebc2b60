import { z } from 'zod'
import { errorResponseSchema } from './error.js'

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
    max_cyclomatic: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .describe(
        'Threshold: every function whose cyclomatic complexity exceeds it is an error issue (complexity-cyclomatic), replacing the default limit',
      ),
    max_cognitive: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .describe(
        'Threshold: every function whose cognitive complexity exceeds it is an error issue (complexity-cognitive), replacing the default limit',
      ),
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

/*
 * The analysis report, as the engine builds it (src/analysis/engine.ts) and POST /api/analyze
 * sends it. The engine's report types are inferred from these schemas, so a field the engine
 * adds or drops without saying so here fails to compile or fails the response check the tests
 * run on every answer (test/helpers/response-check.ts).
 */

export const halsteadSchema = z.object({
  n1: z.number().describe('Distinct operators'),
  n2: z.number().describe('Distinct operands'),
  N1: z.number().describe('Operator occurrences'),
  N2: z.number().describe('Operand occurrences'),
  vocabulary: z.number(),
  length: z.number(),
  calculated_length: z.number(),
  volume: z.number(),
  difficulty: z.number(),
  effort: z.number(),
  time: z.number(),
  bugs: z.number(),
})

export const syntaxErrorSchema = z
  .object({
    line: z.number().int(),
    column: z.number().int(),
    end_line: z.number().int(),
    end_column: z.number().int(),
    message: z.string(),
    source_line: z.string(),
  })
  .describe('A syntax error; positions are 1-based, columns in characters')

export const syntaxWarningSchema = syntaxErrorSchema
  .extend({
    reason: z
      .enum(['preprocessor', 'macro', 'parser-limit'])
      .describe(
        'Why this spot is a warning and not an error: a preprocessor branch or a macro the parser cannot expand, or a construct the grammar is known not to cover',
      ),
  })
  .describe(
    'A spot the syntax tree could not place but that is not known to be wrong (a macro, a preprocessor branch); it does not make syntax_valid false',
  )

/** Why a line is likely to cost more than it looks. */
export const hotspotSchema = z.object({
  line: z.number().int(),
  kind: z.enum([
    'nested-loops-same-collection',
    'membership-test-in-loop',
    'string-building-in-loop',
    'sort-in-loop',
    'regex-compile-in-loop',
    'io-in-loop',
    'branching-recursion',
  ]),
  reason: z.string(),
})

export const functionPerformanceSchema = z
  .object({
    time_complexity: z.string(),
    loop_depth: z.number().int(),
    recursion: z.enum(['none', 'linear', 'branching', 'memoised']),
    hotspots: z.array(hotspotSchema),
    estimated: z.literal(true),
  })
  .describe('A static estimate from loop nesting and recursion, not a measurement')

export const unitKindSchema = z.enum([
  'function',
  'method',
  'closure',
  'lambda',
  'arrow',
  'class',
  'initializer',
  'static_block',
])

export const functionBodySchema = z
  .object({
    start: z.number().int(),
    end: z.number().int(),
    kind: z
      .enum(['block', 'expression'])
      .describe(
        'block: statements (braces included where the language has them); expression: a single expression (`x => x + 1`)',
      ),
  })
  .describe(
    "Where the function's body is: offsets into the code string, in UTF-16 code units as JavaScript's String.slice counts them, end exclusive",
  )

export const functionReportSchema = z.object({
  name: z.string(),
  qualified_name: z.string().describe('As the reference tool prints it: Class.method, outer.inner'),
  kind: unitKindSchema,
  start_line: z.number().int(),
  end_line: z.number().int(),
  cyclomatic_complexity: z.number().int(),
  cognitive_complexity: z.number().int(),
  parameters: z.number().int(),
  max_nesting_depth: z.number().int(),
  nloc: z.number().int(),
  length: z.number().int().describe('Lines from the first to the last, blank ones included'),
  halstead: halsteadSchema,
  performance: functionPerformanceSchema,
  body: functionBodySchema
    .nullable()
    .optional()
    .describe(
      'null when the function has no body (an abstract method); absent in reports stored before it was added',
    ),
})

export const classReportSchema = z.object({
  name: z.string(),
  qualified_name: z.string(),
  start_line: z.number().int(),
  end_line: z.number().int(),
  cyclomatic_complexity: z.number().int(),
  methods: z.number().int(),
})

export const issueSchema = z.object({
  rule: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  line: z.number().int(),
  column: z.number().int().optional(),
  function: z.string().optional().describe('qualified_name of the function it concerns'),
})

/** Raw line counts, radon `raw` style (Python). */
export const rawCountsSchema = z.object({
  loc: z.number().int(),
  lloc: z.number().int(),
  sloc: z.number().int(),
  comments: z.number().int(),
  multi: z.number().int(),
  blank: z.number().int(),
  single_comments: z.number().int(),
})

const complexitySummarySchema = z.object({
  total: z.number(),
  average: z.number(),
  max: z.number(),
})

export const fileMetricsSchema = z.object({
  lines: z.object({
    total: z.number().int(),
    code: z.number().int(),
    logical: z.number().int(),
    comment: z.number().int(),
    blank: z.number().int(),
  }),
  raw: rawCountsSchema.optional().describe("radon raw's figures, for Python"),
  cyclomatic_complexity: complexitySummarySchema,
  cognitive_complexity: complexitySummarySchema,
  halstead: halsteadSchema,
  maintainability_index: z.number(),
  maintainability_rank: z.enum(['A', 'B', 'C']),
  functions: z.number().int(),
  classes: z.number().int(),
})

export const readabilityPartSchema = z.object({
  score: z.number(),
  weight: z.number(),
  value: z.number(),
  explanation: z.string(),
})

export const readabilitySchema = z.object({
  score: z.number(),
  breakdown: z.object({
    line_length: readabilityPartSchema,
    nesting: readabilityPartSchema,
    function_length: readabilityPartSchema,
    identifier_quality: readabilityPartSchema,
    comment_density: readabilityPartSchema,
    naming_consistency: readabilityPartSchema,
  }),
})

export const analysisReportSchema = z
  .object({
    programming_language: z.string(),
    filename: z.string().optional().describe('The filename sent, when one was'),
    syntax_valid: z.boolean(),
    syntax_errors: z.array(syntaxErrorSchema),
    syntax_warnings: z.array(syntaxWarningSchema),
    syntax_checker: z
      .string()
      .describe(
        "Whose verdict syntax_valid and syntax_errors are: 'typescript' (the TypeScript compiler's parser, for JavaScript, TypeScript and TSX) or 'tree-sitter'",
      ),
    metrics: fileMetricsSchema,
    functions: z.array(functionReportSchema),
    classes: z.array(classReportSchema),
    performance: z.object({
      time_complexity: z.string(),
      worst_function: z.string().nullable(),
      hotspots: z.array(hotspotSchema.extend({ function: z.string() })),
      estimated: z.literal(true),
    }),
    issues: z.array(issueSchema),
    readability: readabilitySchema,
    reference: z
      .object({
        cyclomatic: z.string(),
        cognitive: z.string(),
        halstead: z.string(),
        maintainability: z.string(),
      })
      .describe('Which counting rules each figure follows'),
  })
  .meta({ id: 'AnalysisReport' })

export type UnitKind = z.output<typeof unitKindSchema>
export type RawCounts = z.output<typeof rawCountsSchema>
export type HalsteadReport = z.output<typeof halsteadSchema>
export type SyntaxErrorReport = z.output<typeof syntaxErrorSchema>
export type SyntaxWarningReport = z.output<typeof syntaxWarningSchema>
export type Hotspot = z.output<typeof hotspotSchema>
export type PerformanceReport = z.output<typeof functionPerformanceSchema>
export type FunctionReport = z.output<typeof functionReportSchema>
export type FunctionBody = z.output<typeof functionBodySchema>
export type ClassReport = z.output<typeof classReportSchema>
export type Issue = z.output<typeof issueSchema>
export type FileMetricsReport = z.output<typeof fileMetricsSchema>
export type ReadabilityPart = z.output<typeof readabilityPartSchema>
export type ReadabilityReport = z.output<typeof readabilitySchema>
export type AnalysisReport = z.output<typeof analysisReportSchema>

export const batchAnalyzeResponseSchema = z
  .object({
    results: z.array(
      z.object({
        index: z.number().int(),
        filename: z.string(),
        status: z.enum(['ok', 'error']),
        result: analysisReportSchema.optional(),
        error: errorResponseSchema
          .optional()
          .describe('Why this file was not analysed, in the one error shape'),
      }),
    ),
    summary: z.object({
      files: z.number().int(),
      analysed: z.number().int(),
      failed: z.number().int(),
      syntax_invalid: z.number().int(),
    }),
  })
  .meta({ id: 'BatchAnalyzeResponse' })
