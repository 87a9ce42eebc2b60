import { loadConfig, type Config } from '../../src/config.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { recordSecretsOf } from './secrets.js'

const NO_MODELS = join(tmpdir(), 'verigen-test-no-models')

/**
 * A configuration for tests: the real loader, no `.env` file, an in-memory SQLite database,
 * silent logs, no model provider, generations unverified unless asked (the suites of other
 * features script code that has no tests worth running; test/routes/generate-verify.test.ts
 * and the sandbox suites run verification), and whatever the test overrides.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  // The secret scan at the end of the run looks for every key and password configured here.
  recordSecretsOf(overrides)
  return loadConfig({
    ENV_FILE: '/dev/null',
    DATABASE_URL: 'sqlite://:memory:',
    LOG_LEVEL: 'silent',
    VERIFY_DEFAULT: 'false',
    // Not ./data/models: a model a developer pulled there would become the provider of every test.
    LOCAL_MODELS_DIR: NO_MODELS,
    ...overrides,
  })
}
