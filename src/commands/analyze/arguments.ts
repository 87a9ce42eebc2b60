import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'

export const FORMATS = ['table', 'json', 'csv', 'sarif'] as const
export type Format = (typeof FORMATS)[number]

/** What `verigen analyze` was asked to do. */
export interface AnalyzeArguments {
  paths: string[]
  format: Format
  header: boolean
  language: string | undefined
  jobs: number
  maxCyclomatic: number | undefined
  maxCognitive: number | undefined
  failOnSyntaxError: boolean
  excludes: string[]
  changedSince: string | undefined
  radonCompat: '5.1' | undefined
  cyclomaticVariant: 'modified' | undefined
  help: boolean
}

/** The options `verigen analyze` takes, as `parseArgs` reads them. */
export const ANALYZE_OPTIONS = {
  format: { type: 'string', default: 'table' },
  'no-header': { type: 'boolean', default: false },
  language: { type: 'string' },
  jobs: { type: 'string' },
  'max-cyclomatic': { type: 'string' },
  'max-cognitive': { type: 'string' },
  'fail-on-syntax-error': { type: 'boolean', default: false },
  exclude: { type: 'string', multiple: true, default: [] },
  'changed-since': { type: 'string' },
  'radon-compat': { type: 'string' },
  'cyclomatic-variant': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<Parameters<typeof parseArgs>[0]>['options']

/** A mistake in the command line: exit 2 with the usage. */
export class UsageError extends Error {}

function positiveInteger(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--${option} needs a whole number of at least 1, not '${value}'`)
  return Number(value)
}

function oneOf<T extends string>(
  option: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`--${option} is one of ${allowed.join(', ')}, not '${value}'`)
  return value as T
}

/** @throws UsageError */
export function parseAnalyzeArguments(argv: string[]): AnalyzeArguments {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: ANALYZE_OPTIONS,
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  const help = values.help ?? false
  if (positionals.length === 0 && !help) throw new UsageError('no PATH given')
  if (values['changed-since'] === '') throw new UsageError('--changed-since needs a git ref')
  return {
    paths: positionals,
    format: oneOf('format', values.format, FORMATS) ?? 'table',
    header: !values['no-header'],
    language: values.language,
    jobs: positiveInteger('jobs', values.jobs) ?? availableParallelism(),
    maxCyclomatic: positiveInteger('max-cyclomatic', values['max-cyclomatic']),
    maxCognitive: positiveInteger('max-cognitive', values['max-cognitive']),
    failOnSyntaxError: values['fail-on-syntax-error'],
    excludes: values.exclude,
    changedSince: values['changed-since'],
    radonCompat:
      oneOf('radon-compat', values['radon-compat'], ['6.0', '5.1']) === '5.1' ? '5.1' : undefined,
    cyclomaticVariant:
      oneOf('cyclomatic-variant', values['cyclomatic-variant'], ['classic', 'modified']) ===
      'modified'
        ? 'modified'
        : undefined,
    help,
  }
}
