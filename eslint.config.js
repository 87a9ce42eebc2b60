import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  // Language fixtures are sample code in their own language, checked by test/languages.test.ts.
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'languages/**/fixture.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly' },
    },
  },
  {
    files: ['src/cli.ts', 'src/commands/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
)
