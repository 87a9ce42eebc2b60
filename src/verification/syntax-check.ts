import type { Language } from '../analysis/language-registry.js'
import type { Sandbox, SandboxResult } from '../ports/sandbox.js'
import type { RunLimits, TestFiles } from './test-run.js'
import { expandPlaceholders, workspaceRequest } from './workspace.js'

/**
 * true: the compiler accepts the file; false: it rejects it; null: no syntax_check for the language.
 * Both files are in the workspace, as a test file needs the code beside it. A check that hit a
 * limit, crashed or could not start gives no verdict (null); an aborted one throws the reason.
 */
export async function checkSyntax(
  sandbox: Sandbox,
  language: Language,
  which: 'code' | 'tests',
  files: TestFiles,
  limits: RunLimits,
  signal?: AbortSignal,
): Promise<boolean | null> {
  const rules = language.verification
  if (!rules?.syntax_check) return null
  const file = which === 'code' ? language.generation.code_file : language.generation.test_file
  let result: SandboxResult
  try {
    result = await sandbox.run({
      ...workspaceRequest(rules, language, files, limits),
      script: expandPlaceholders(rules.syntax_check, limits, file),
      collect: [],
      signal,
    })
  } catch {
    if (signal?.aborted) throw signal.reason
    return null
  }
  if (result.cancelled) throw signal?.reason ?? new Error('the check was cancelled')
  if (result.limit || result.exitCode === null) return null
  return result.exitCode === 0
}
