import { z } from 'zod'
import { regexSource } from '../analysis/regex-source.js'

/** Report formats the verification engine can read (see `src/verification/reports/`). */
export const REPORT_FORMATS = [
  'junit-xml',
  'jest-json',
  'go-test-json',
  'cargo-test',
  'rspec-json',
] as const

/**
 * How a language's generated tests are run against its code: the `verification` key of
 * `languages/<id>/language.json`. The file names are the ones `generation` states; everything
 * else the run needs is here, so that adding a runnable language is one data folder.
 *
 * In commands, env values and mounts, `{memory_mb}` is the memory limit of the run and
 * `{node_modules}` the server's own `node_modules` folder (for runners installed with it).
 */
export const verificationRulesSchema = z.strictObject({
  /** The runner's name as reported, e.g. `pytest`; its version is appended at start-up. */
  runner: z.string().min(1),
  /** Debian packages that provide the runner and its toolchain (for `verigen doctor` and the README). */
  packages: z.array(z.string().min(1)).min(1),
  /** A command (run in the sandbox) printing the version; group 1 of `pattern` is the version. */
  version: z.strictObject({ command: z.string().min(1), pattern: z.string().min(1) }),
  /** Files written next to the code and tests: package.json, go.mod, Cargo.toml, a runner config. */
  scaffold: z.record(z.string().min(1), z.string()).default({}),
  /** Read-only mounts besides `/usr`: a host path, or `{host, path}` to show it elsewhere. */
  mounts: z
    .array(z.union([z.string().min(1), z.strictObject({ host: z.string(), path: z.string() })]))
    .default([]),
  /** Environment of the run, besides PATH, HOME and TMPDIR. */
  env: z.record(z.string().min(1), z.string()).default({}),
  /**
   * Shell commands run in order in the working directory. A failing `compile` step means the
   * code or the tests do not compile; the `test` step's exit code is not trusted, its report is.
   */
  steps: z
    .array(z.strictObject({ phase: z.enum(['compile', 'test']), command: z.string().min(1) }))
    .min(1),
  /** Where the test step writes its report, in which format; without `file`, its stdout. */
  report: z.strictObject({ format: z.enum(REPORT_FORMATS), file: z.string().min(1).optional() }),
  /**
   * A command checking one file's syntax with the language's own compiler or interpreter,
   * `{file}` standing for it (`python3 -m py_compile {file}`); exit 0 means it is valid. Its
   * verdict beats the tree-sitter grammar's when they disagree.
   */
  syntax_check: z.string().min(1).optional(),
  /**
   * What every run would otherwise rebuild (Go's build cache), built once per server in the
   * sandbox: `command` runs in a workspace holding the scaffold and writes `file` there (text,
   * e.g. a base64 tarball); each later run finds that file in its workspace for its steps to
   * unpack. A cache that cannot be built is left out.
   */
  cache: z.strictObject({ command: z.string().min(1), file: z.string().min(1) }).optional(),
  /**
   * The stub of a function, for the stub gate: `body` replaces each outermost function's body
   * (braces included for `block`; the statements only for `statements`, as in Python and Ruby;
   * an arrow function's expression body becomes `block`).
   */
  stub: z.strictObject({
    style: z.enum(['block', 'statements']),
    body: z.string().min(1),
    /**
     * A call a block body must keep first for the stub to compile, as a pattern matching its
     * start up to its opening parenthesis: Java's `super(`/`this(` (a superclass without a
     * no-argument constructor), TypeScript's `super(` (derived classes). The call stays before
     * the stub.
     */
    keep_call: regexSource.optional(),
    /**
     * Functions left as they are, as a pattern matched against the text from the start of the
     * function's first line to its body: C++ destructors and `noexcept` functions, where a throw
     * terminates the whole test program instead of failing one test.
     */
    skip: regexSource.optional(),
    /**
     * Imports the compiler rejects once nothing uses them (Go): `pattern` matches one import on
     * its line (multiline mode) with the groups `alias` and `name` (the name the code uses it
     * by); an import whose name is no longer followed by `.` anywhere in the stubbed code is
     * rewritten as `replacement` (`$<group>` refers to the pattern's groups).
     */
    unused_import: z
      .strictObject({ pattern: regexSource, replacement: z.string().min(1) })
      .optional(),
  }),
})

export type VerificationRules = z.output<typeof verificationRulesSchema>
