import { loadConfig, type Config } from '../../src/config.js'

/**
 * A configuration for tests: the real loader, no `.env` file, an in-memory SQLite database,
 * silent logs, no model provider, and whatever the test overrides.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ENV_FILE: '/dev/null',
    DATABASE_URL: 'sqlite://:memory:',
    LOG_LEVEL: 'silent',
    ...overrides,
  })
}
