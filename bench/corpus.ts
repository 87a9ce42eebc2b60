/**
 * Packages of this project's node_modules whose JavaScript sources the benchmarks analyse:
 * real, well-known code that every checkout has, at the versions package-lock.json pins.
 */
export const JAVASCRIPT_PACKAGE_FOLDERS = [
  'fastify/lib',
  'pino/lib',
  'ioredis/built',
  'postgres/cjs/src',
  'find-my-way/lib',
  'avvio/lib',
  'light-my-request/lib',
  'prom-client/lib',
  'fast-json-stringify/lib',
  'undici/lib',
  'ajv/dist',
  'yaml/dist',
]
