import { z } from 'zod'
import { languageVerificationSchema } from './verification.js'

export const languageSchema = z
  .object({
    id: z.string().describe('Stable identifier, used as programming_language in requests'),
    name: z.string(),
    aliases: z.array(z.string()).describe('Other names accepted for this language'),
    extensions: z.array(z.string()).describe('File extensions used to detect the language'),
    test_framework: z.string().describe('Framework generated tests are written for'),
    doc_style: z.string().describe('Documentation convention generated code follows'),
    analysis: z.boolean().describe('Whether code in this language can be analysed here'),
    conventions: z
      .object({
        code_file: z.string().describe('The file the code is saved as, e.g. solution.py'),
        test_file: z.string().describe('The file the tests are saved as, e.g. test_solution.py'),
        test_import: z.string().describe('How the tests reach the code (import, package, include)'),
      })
      .describe(
        'Where code and tests go when they run: generated ones, and the code and tests of POST /api/verify',
      ),
    verification: languageVerificationSchema.describe(
      "Whether this language's tests can run here (POST /api/verify, a generation's verification), with which runner, or why not",
    ),
  })
  .meta({ id: 'Language' })

export const languageListSchema = z
  .object({ languages: z.array(languageSchema), count: z.number().int() })
  .meta({ id: 'LanguageList' })

export const languageParamsSchema = z.object({
  id: z.string().min(1).max(64).describe('Language id or alias, case-insensitive'),
})
