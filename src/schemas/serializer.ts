/**
 * The serializer of routes whose answers are large and built by the service to the very types
 * these schemas infer (generation results, history entries): plain JSON.stringify, without the
 * zod check the other routes run on every answer. Checking a generation result costs several
 * times its serialisation (about 60 µs for a small one, 850 µs for one with a 60 KB analysis), on
 * the route whose throughput the benchmark measures. What guards these answers instead: the type
 * provider refuses a handler whose return type is not the schema's, and the test suite checks
 * every answer it receives against the declared schema, undeclared fields included
 * (test/helpers/response-check.ts).
 */
export function jsonWithoutCheck(): (data: unknown) => string {
  return (data) => JSON.stringify(data)
}
