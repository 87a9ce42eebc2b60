import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Native addons (tree-sitter, better-sqlite3) stall thread teardown; forks do not.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
