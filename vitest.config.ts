import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
    // The secret scan: artifacts collected by the helpers, searched for configured keys at the end.
    globalSetup: ['test/global-setup.ts'],
    // Native addons (tree-sitter, better-sqlite3) stall thread teardown; forks do not.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
