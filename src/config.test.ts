import { mkdtempSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'
import { LLM_PROVIDERS, PROVIDER_NOT_CONFIGURED_DETAIL } from './llm-providers.js'

// No model file where the tests look, whatever a developer has pulled into ./data/models.
const NO_MODELS = join(tmpdir(), 'verigen-config-test-no-models')

const load = (environment: Record<string, string>) =>
  loadConfig({ ENV_FILE: '/dev/null', LOCAL_MODELS_DIR: NO_MODELS, ...environment })

function problemsOf(environment: Record<string, string>): readonly string[] {
  try {
    load(environment)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('needs nothing installed by default', () => {
    const config = load({})
    expect(config.server).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      apiPrefix: '/api',
      corsOrigins: [],
      bodyLimit: 1024 * 1024,
      shutdownTimeoutMs: 10_000,
    })
    expect(config.database).toEqual({ kind: 'sqlite', url: 'sqlite://./data/verigen.db' })
    expect(config.redis.url).toBeNull()
    expect(config.llm.provider).toBeNull()
    expect(config.log.level).toBe('info')
    expect(config.limits.maxPromptLength).toBe(2000)
    expect(config.rateLimit).toEqual({ max: 100, windowMs: 60_000 })
    expect(Object.isFrozen(config.server)).toBe(true)
  })

  it('lists every problem, one line each, naming the variable', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://db',
      BODY_LIMIT: 'huge',
      RATE_LIMIT_WINDOW: '-5',
      CORS_ORIGINS: 'https://ok.example, not an origin',
    })
    expect(problems).toHaveLength(6)
    expect(problems).toContain("PORT: must be an integer from 0 to 65535, got 'eighty'")
    expect(problems).toContain(
      "LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'",
    )
    expect(problems.find((line) => line.startsWith('DATABASE_URL: '))).toMatch(
      /sqlite:\/\/<file> or postgres:\/\//,
    )
    expect(problems.find((line) => line.startsWith('BODY_LIMIT: '))).toMatch(/1MiB/)
    expect(problems.find((line) => line.startsWith('RATE_LIMIT_WINDOW: '))).toMatch(/duration/)
    expect(problems.find((line) => line.startsWith('CORS_ORIGINS: '))).toMatch(/'not an origin'/)
    for (const line of problems) expect(line).not.toMatch(/\n/)
  })

  it('reads database URL schemes in any case', () => {
    expect(load({ DATABASE_URL: 'SQLite://x.db' }).database).toEqual({
      kind: 'sqlite',
      url: 'sqlite://x.db',
    })
    expect(load({ DATABASE_URL: 'SQLITE::memory:' }).database.kind).toBe('sqlite')
    for (const url of [
      'POSTGRES://user@127.0.0.1:5432/verigen',
      'postgresql://user@127.0.0.1:5432/verigen',
      'PostgreSQL://user@127.0.0.1:5432/verigen',
    ]) {
      expect(load({ DATABASE_URL: url }).database).toEqual({
        kind: 'postgres',
        url: url.replace(/^[a-z]+/i, (scheme) => scheme.toLowerCase()),
      })
    }
    expect(problemsOf({ DATABASE_URL: 'SQLite://' })).toEqual([
      'DATABASE_URL: must name a file, such as sqlite://./data/verigen.db',
    ])
  })

  it('selects OpenAI when only OPENAI_API_KEY is set, as the original design did', () => {
    const config = load({ OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'gpt-4.1' })
    expect(config.llm).toMatchObject({
      provider: 'openai',
      apiKey: 'sk-test',
      model: 'gpt-4.1',
      baseUrl: 'https://api.openai.com/v1',
    })
  })

  it('lets the LLM_* variables win over the original names', () => {
    const config = load({
      OPENAI_API_KEY: 'sk-a',
      LLM_API_KEY: 'sk-b',
      LLM_MODEL: 'm',
      OPENAI_MODEL: 'n',
    })
    expect(config.llm).toMatchObject({ provider: 'openai', apiKey: 'sk-b', model: 'm' })
  })

  it('selects Anthropic from ANTHROPIC_API_KEY', () => {
    expect(load({ ANTHROPIC_API_KEY: 'ak' }).llm).toMatchObject({
      provider: 'anthropic',
      apiKey: 'ak',
      baseUrl: 'https://api.anthropic.com/v1',
    })
  })

  it('requires a base URL and a model for an OpenAI-compatible server', () => {
    expect(problemsOf({ LLM_PROVIDER: 'openai-compatible' })).toEqual([
      "LLM_BASE_URL: required when LLM_PROVIDER is 'openai-compatible', e.g. http://127.0.0.1:11434/v1",
      "LLM_MODEL: required when LLM_PROVIDER is 'openai-compatible' (the model name your server serves)",
    ])
    expect(
      load({ LLM_BASE_URL: 'http://127.0.0.1:11434/v1/', LLM_MODEL: 'llama3.1:8b' }).llm,
    ).toMatchObject({
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:11434/v1',
      apiKey: null,
    })
  })

  it('builds every row of the provider table from its own variables', () => {
    for (const row of LLM_PROVIDERS) {
      if (row.endpoint === 'in-process') {
        // The model is the file the selecting variable names.
        expect(load({ [row.selectedBy]: '/models/model-of-the-row.gguf' }).llm).toMatchObject({
          provider: row.id,
          model: 'model-of-the-row',
          apiKey: null,
          baseUrl: null,
        })
        continue
      }
      const environment: Record<string, string> = { [row.selectedBy]: 'http://127.0.0.1:9/v1' }
      if (row.keyVariable) environment[row.keyVariable] = 'key-of-the-row'
      if (!row.defaultModel) environment.LLM_MODEL = 'model-of-the-row'
      expect(load(environment).llm).toMatchObject({
        provider: row.id,
        model: row.defaultModel ?? 'model-of-the-row',
        apiKey: row.keyVariable ? 'key-of-the-row' : null,
      })
    }
  })

  it('says what to set when no provider is configured, from the provider table', () => {
    expect(PROVIDER_NOT_CONFIGURED_DETAIL).toBe(
      "No model provider is configured; run 'npx verigen models pull' to download a small local model, or set OPENAI_API_KEY, ANTHROPIC_API_KEY, or LLM_BASE_URL with LLM_MODEL (see the README, Configuration)",
    )
  })

  describe('the local model', () => {
    function modelsDir(...files: string[]): string {
      const dir = mkdtempSync(join(tmpdir(), 'verigen-config-models-'))
      for (const file of files) writeFileSync(join(dir, file), 'GGUF')
      return dir
    }

    it('is used by default when a model file lies in LOCAL_MODELS_DIR and nothing else is set', () => {
      const dir = modelsDir('tiny-coder-q4.gguf', 'half.gguf.part')
      const config = load({ LOCAL_MODELS_DIR: dir })
      expect(config.llm).toMatchObject({
        provider: 'local',
        model: 'tiny-coder-q4',
        baseUrl: null,
        apiKey: null,
        allowedModels: ['tiny-coder-q4'],
        local: { source: join(dir, 'tiny-coder-q4.gguf'), modelsDir: dir, preload: false },
      })
      // A CPU serves a couple of sequences at once, not the dozens an API can.
      expect(config.generation.concurrency).toBe(2)
      expect(
        load({ LOCAL_MODELS_DIR: dir, GENERATION_CONCURRENCY: '3' }).generation.concurrency,
      ).toBe(3)
    })

    it('leaves a configured remote provider alone, and stays off with an empty folder', () => {
      const dir = modelsDir('tiny.gguf')
      expect(load({ LOCAL_MODELS_DIR: dir, OPENAI_API_KEY: 'sk-x' }).llm.provider).toBe('openai')
      expect(load({ LOCAL_MODELS_DIR: modelsDir('only.gguf.part') }).llm).toMatchObject({
        provider: null,
        model: null,
      })
      expect(load({}).generation.concurrency).toBe(64)
    })

    it('reads LOCAL_MODEL as a path, a URL or a Hugging Face file, and refuses anything else', () => {
      expect(load({ LOCAL_MODEL: 'https://models.example/q/coder.Q4_K_M.gguf' }).llm).toMatchObject(
        { provider: 'local', model: 'coder.Q4_K_M' },
      )
      expect(
        load({
          LOCAL_MODEL:
            'hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
        }).llm.model,
      ).toBe('qwen2.5-coder-1.5b-instruct-q4_k_m')
      expect(problemsOf({ LOCAL_MODEL: 'ftp://models.example/coder.gguf' })[0]).toMatch(
        /^LOCAL_MODEL: Model source 'ftp:\/\/models.example\/coder.gguf' uses a scheme other than http or https/,
      )
      expect(problemsOf({ LOCAL_MODEL: 'hf:../etc/passwd.gguf' })[0]).toMatch(/^LOCAL_MODEL: /)
      expect(
        problemsOf({ LOCAL_MODEL: 'https://user:hunter2@models.example/a.gguf' })[0],
      ).not.toContain('hunter2')
    })

    it('asks for a model when LLM_PROVIDER is local and the folder is empty', () => {
      expect(problemsOf({ LLM_PROVIDER: 'local' })).toEqual([
        `LOCAL_MODEL: required when LLM_PROVIDER is 'local' and LOCAL_MODELS_DIR ('${NO_MODELS}') holds no .gguf file; run 'npx verigen models pull' or set LOCAL_MODEL to a file path, an http(s) URL or hf:<user>/<repo>/<file>.gguf`,
      ])
    })

    it('validates its settings', () => {
      const config = load({
        LOCAL_MODEL: './m.gguf',
        LOCAL_PRELOAD: 'true',
        LOCAL_IDLE_UNLOAD_S: '0',
        LOCAL_CONTEXT_SIZE: '4096',
        LOCAL_THREADS: '3',
        LOCAL_GPU: 'off',
        HF_ENDPOINT: 'http://127.0.0.1:9/',
      })
      expect(config.llm.local).toMatchObject({
        preload: true,
        idleUnloadS: 0,
        contextSize: 4096,
        threads: 3,
        gpu: 'off',
        hfEndpoint: 'http://127.0.0.1:9',
      })
      expect(problemsOf({ LOCAL_CONTEXT_SIZE: '12', LOCAL_GPU: 'cuda' })).toEqual([
        "LOCAL_CONTEXT_SIZE: must be an integer from 256 to 1048576, got '12'",
        "LOCAL_GPU: must be one of auto, off, got 'cuda'",
      ])
    })
  })

  it('refuses a provider without its key', () => {
    expect(problemsOf({ LLM_PROVIDER: 'anthropic' })).toEqual([
      "LLM_API_KEY: required when LLM_PROVIDER is 'anthropic' (or set ANTHROPIC_API_KEY)",
    ])
  })

  it('never prints a credential it rejects', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://admin:hunter2@db:notaport/x' })
    expect(problems.join('\n')).not.toContain('hunter2')
  })

  it('reads sizes, durations and booleans in the usual spellings', () => {
    const config = load({
      BODY_LIMIT: '2MiB',
      RATE_LIMIT_WINDOW: '1m',
      LOG_PRETTY: 'yes',
      CORS_ORIGINS: '*',
    })
    expect(config.server.bodyLimit).toBe(2 * 1024 * 1024)
    expect(config.rateLimit.windowMs).toBe(60_000)
    expect(config.log.pretty).toBe(true)
    expect(config.server.corsOrigins).toEqual(['*'])
    expect(load({ RATE_LIMIT_WINDOW: '30' }).rateLimit.windowMs).toBe(30_000)
    expect(load({ BODY_LIMIT: '524288' }).server.bodyLimit).toBe(524_288)
  })

  it('treats empty values as unset', () => {
    expect(load({ PORT: '', LLM_API_KEY: '  ' }).server.port).toBe(8000)
  })

  it('reads an env file, and the environment wins over it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'verigen-env-'))
    const file = join(directory, '.env')
    writeFileSync(file, 'PORT=9001\nHOST=0.0.0.0\n# a comment\nMAX_PROMPT_LENGTH="4000"\n')
    const config = loadConfig({ ENV_FILE: file, HOST: '127.0.0.2' })
    expect(config.server.port).toBe(9001)
    expect(config.server.host).toBe('127.0.0.2')
    expect(config.limits.maxPromptLength).toBe(4000)
  })

  it('names a missing ENV_FILE', () => {
    expect(() => loadConfig({ ENV_FILE: '/nonexistent/.env' })).toThrow(/ENV_FILE: no file at/)
  })

  it('bounds an upstream reply at 8 MiB, or 256 bytes per output token when that is more', () => {
    expect(load({}).llm.maxReplyBytes).toBe(8 * 1024 ** 2)
    expect(load({ LLM_MAX_OUTPUT_TOKENS: '100000' }).llm.maxReplyBytes).toBe(256 * 100_000)
    expect(load({ LLM_MAX_REPLY_BYTES: '64kb' }).llm.maxReplyBytes).toBe(64 * 1024)
    expect(problemsOf({ LLM_MAX_REPLY_BYTES: 'lots' })[0]).toMatch(/^LLM_MAX_REPLY_BYTES: /)
  })

  it('lists every configured key and password as a secret', () => {
    const config = load({
      LLM_API_KEY: 'sk-llm-key-1',
      OPENAI_API_KEY: 'sk-openai-key-2',
      ANTHROPIC_API_KEY: 'sk-ant-key-3',
      DATABASE_URL: 'postgres://app:db%40pass@127.0.0.1:5432/verigen',
      REDIS_URL: 'redis://:redis-pass@127.0.0.1:6379',
      HF_ENDPOINT: 'https://mirror:hf-mirror-pass@models.example.com',
    })
    expect(config.secrets).toEqual([
      'sk-llm-key-1',
      'sk-openai-key-2',
      'sk-ant-key-3',
      'db@pass',
      'redis-pass',
      'hf-mirror-pass',
    ])
    expect(load({}).secrets).toEqual([])
  })

  it('verifies in a bubblewrap sandbox by default, with the limits of the issue', () => {
    expect(load({}).verification).toEqual({
      sandbox: 'bwrap',
      verifyDefault: true,
      timeoutMs: 20_000,
      memoryMb: 512,
      outputBytes: 65_536,
      concurrency: availableParallelism(),
    })
    const config = load({
      SANDBOX: 'OFF',
      VERIFY_DEFAULT: 'false',
      VERIFY_TIMEOUT_MS: '5000',
      VERIFY_MEMORY_MB: '1024',
      VERIFY_OUTPUT_BYTES: '1MiB',
      VERIFY_CONCURRENCY: '3',
    })
    expect(config.verification).toEqual({
      sandbox: 'off',
      verifyDefault: false,
      timeoutMs: 5000,
      memoryMb: 1024,
      outputBytes: 1024 ** 2,
      concurrency: 3,
    })
    expect(Object.isFrozen(config.verification)).toBe(true)
  })

  it('has no unsandboxed mode, and bounds every verification limit', () => {
    for (const value of ['none', 'unsafe', 'host', 'docker', 'false']) {
      expect(problemsOf({ SANDBOX: value })).toEqual([
        `SANDBOX: must be bwrap or off (off turns verification off; there is no unsandboxed mode), got '${value}'`,
      ])
    }
    const problems = problemsOf({
      VERIFY_DEFAULT: 'maybe',
      VERIFY_TIMEOUT_MS: '10',
      VERIFY_MEMORY_MB: '16',
      VERIFY_OUTPUT_BYTES: '1GiB',
      VERIFY_CONCURRENCY: '0',
    })
    expect(problems).toEqual([
      "VERIFY_DEFAULT: must be true or false, got 'maybe'",
      "VERIFY_TIMEOUT_MS: must be an integer from 1000 to 600000, got '10'",
      "VERIFY_MEMORY_MB: must be an integer from 64 to 65536, got '16'",
      "VERIFY_OUTPUT_BYTES: must be at most 16777216 bytes, got '1GiB'",
      "VERIFY_CONCURRENCY: must be an integer from 1 to 1024, got '0'",
    ])
    expect(problemsOf({ VERIFY_TIMEOUT_MS: '600001', VERIFY_OUTPUT_BYTES: '100' })).toEqual([
      "VERIFY_TIMEOUT_MS: must be an integer from 1000 to 600000, got '600001'",
      "VERIFY_OUTPUT_BYTES: must be at least 1kb, got '100'",
    ])
  })

  it('leaves AUTH off only on a loopback HOST, and refuses to guess on any other', () => {
    expect(load({}).auth.mode).toBe('off')
    for (const host of ['localhost', '127.0.0.2', '::1', '[::1]']) {
      expect(load({ HOST: host }).auth).toMatchObject({ mode: 'off', explicit: false })
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'verigen.example.com']) {
      expect(problemsOf({ HOST: host })).toEqual([
        expect.stringMatching(
          new RegExp(
            `^AUTH: required when HOST is '${host.replace(/\./g, '\\.')}'.*AUTH=on.*AUTH=off`,
          ),
        ),
      ])
    }
    expect(load({ HOST: '0.0.0.0', AUTH: 'off' }).auth).toMatchObject({
      mode: 'off',
      explicit: true,
    })
  })

  it('needs a JWT_SECRET of 32 characters with AUTH=on, and the external issuer whole', () => {
    expect(problemsOf({ AUTH: 'on' })).toEqual([expect.stringMatching(/^JWT_SECRET: required/)])
    expect(problemsOf({ AUTH: 'on', JWT_SECRET: 'short' })).toEqual([
      'JWT_SECRET: must be at least 32 characters',
    ])
    expect(
      problemsOf({ JWT_JWKS_URL: 'https://issuer.example.com/jwks.json', JWT_ISSUER: 'x' }),
    ).toEqual([expect.stringMatching(/^JWT_JWKS_URL: .*set together/)])
    const secret = 'a'.repeat(40)
    const config = load({
      AUTH: 'on',
      JWT_SECRET: secret,
      JWT_ACCESS_TTL: '5m',
      JWT_REFRESH_TTL: '7d',
      METRICS_TOKEN: 'm'.repeat(20),
    })
    expect(config.auth).toMatchObject({
      mode: 'on',
      jwtSecret: secret,
      accessTtlMs: 300_000,
      refreshTtlMs: 7 * 86_400_000,
      jwks: null,
      clockToleranceMs: 30_000,
    })
    expect(config.secrets).toEqual(expect.arrayContaining([secret, 'm'.repeat(20)]))
  })
})
