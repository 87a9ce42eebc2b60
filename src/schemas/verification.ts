import { z } from 'zod'

export const VERIFICATION_STATUSES = ['passed', 'failed', 'error', 'skipped'] as const
export const CASE_OUTCOMES = ['passed', 'failed', 'error', 'skipped'] as const

export const testCountsSchema = z
  .object({
    total: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    errors: z.number().int(),
    skipped: z.number().int(),
  })
  .meta({ id: 'TestCounts' })

export const testCaseSchema = z
  .object({
    name: z.string().describe('As the runner names it, e.g. test_solution.py::test_empty'),
    outcome: z.enum(CASE_OUTCOMES),
    message: z.string().nullable().describe('The assertion message or error, trimmed'),
    duration_ms: z.number().nullable(),
  })
  .meta({ id: 'TestCase' })

export const verificationSchema = z
  .object({
    status: z
      .enum(VERIFICATION_STATUSES)
      .describe(
        'passed: the tests compiled and ran, at least one, none failed; failed: a test failed or the code or tests do not compile; error: the run itself broke (time or memory limit, runner crash, no report); skipped: nothing was run (see reason)',
      ),
    reason: z
      .string()
      .nullable()
      .describe(
        'null, or why: no runner for the language, sandbox unavailable, time limit, compile error…',
      ),
    runner: z.string().nullable().describe('The runner and its version, e.g. "pytest 7.2.1"'),
    rounds: z.number().int().describe('Fix rounds taken (0 when the first run passed)'),
    tests: testCountsSchema,
    cases: z.array(testCaseSchema),
    test_quality: z
      .object({
        fails_on_stub: z
          .boolean()
          .nullable()
          .describe(
            'true: every test fails when each function body is replaced by a "not implemented" stub; false: some pass on the stub (they test nothing); null: not checked',
          ),
        passed_on_stub: z.array(z.string()).describe('The tests that passed against the stub'),
      })
      .meta({ id: 'TestQuality' }),
    duration_ms: z.number().describe('Time of the runs, all rounds together'),
    output: z
      .string()
      .describe('stdout and stderr of the last run, trimmed to VERIFY_OUTPUT_BYTES'),
  })
  .meta({ id: 'Verification' })

/** `POST /api/verify`: the user's own code and tests, no model involved. */
export const verifyRequestSchema = z
  .strictObject({
    programming_language: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .describe('A language id or alias from GET /api/languages'),
    code: z.string().min(1).describe("The code, saved under the language's code file name"),
    tests: z.string().min(1).describe("The tests, saved under the language's test file name"),
  })
  .meta({ id: 'VerifyRequest' })

/** What `/api/languages` says about running a language's tests here. */
export const languageVerificationSchema = z
  .object({
    available: z.boolean(),
    runner: z.string().nullable().describe('e.g. "pytest"'),
    version: z.string().nullable(),
    reason: z.string().nullable().describe('Why tests cannot run, when they cannot'),
  })
  .meta({ id: 'LanguageVerification' })

export type Verification = z.output<typeof verificationSchema>
export type TestCounts = z.output<typeof testCountsSchema>
export type TestCase = z.output<typeof testCaseSchema>
export type VerifyRequest = z.output<typeof verifyRequestSchema>
export type LanguageVerification = z.output<typeof languageVerificationSchema>
