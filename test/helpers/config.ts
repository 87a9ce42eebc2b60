import { loadConfig, type Config } from '../../src/config.js'
import { recordSecretsOf } from './secrets.js'

/**
 * A configuration for tests: the real loader, no `.env` file, an in-memory SQLite database,
 * silent logs, no model provider, and whatever the test overrides.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  // The secret scan at the end of the run looks for every key and password configured here.
  recordSecretsOf(overrides)
  return loadConfig({
    ENV_FILE: '/dev/null',
    DATABASE_URL: 'sqlite://:memory:',
    LOG_LEVEL: 'silent',
    ...overrides,
  })
}
