/**
 * The architecture's arrows; docs/architecture.md ("Rules dependency-cruiser enforces") explains
 * each rule and must change with this file. A broken arrow fails CI.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle makes load order matter and turns two modules into one.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'routes-not-adapters',
      comment: 'Routes reach adapters only through services wired by plugins/container.ts.',
      severity: 'error',
      from: { path: '^src/routes/' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'services-stay-plain',
      comment: 'Services never touch Fastify, client libraries, routes or adapters.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: {
        path: [
          '^src/routes/',
          '^src/adapters/',
          '^src/plugins/',
          // Metrics reach services through ports/metrics-recorder.ts, not the Prometheus registry.
          '^src/metrics\\.ts$',
          'node_modules/(fastify|@fastify|postgres|better-sqlite3|ioredis|prom-client|@ai-sdk|ai)/',
        ],
      },
    },
    {
      name: 'ports-are-specs',
      comment: 'Ports hold interfaces and types only.',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: ['^src/(adapters|services|routes|plugins)/', 'node_modules/'] },
    },
    {
      name: 'adapters-only-ports',
      comment:
        'Adapters import their port, errors and their client library, never services or routes.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: ['^src/(services|routes|plugins)/'] },
    },
    {
      name: 'code-runs-only-in-the-sandbox',
      comment:
        'verification/ runs generated code only through ports/sandbox.ts: no child processes, no adapters, services or routes.',
      severity: 'error',
      from: { path: '^src/verification/' },
      to: {
        path: [
          '^src/(adapters|services|routes|plugins)/',
          '^(node:)?child_process$',
          '^(node:)?worker_threads$',
        ],
      },
    },
    {
      name: 'streaming-knows-events-only',
      comment:
        'streaming/ frames the event types of schemas/ and the error body; it never reaches into services or plugins.',
      severity: 'error',
      from: { path: '^src/streaming/' },
      to: { path: '^src/', pathNot: ['^src/streaming/', '^src/schemas/', '^src/errors\\.ts$'] },
    },
    {
      name: 'provider-table-is-data',
      comment:
        'src/llm-providers.ts is read by config.ts and the ports, so it imports nothing: no adapter, no package.',
      severity: 'error',
      from: { path: '^src/llm-providers\\.ts$' },
      to: { path: ['^src/', 'node_modules/'] },
    },
    {
      name: 'models-are-files',
      comment:
        'models/ (model sources, downloads, the models folder) is read by config.ts, the CLI and the local adapter; it imports nothing of the app but errors and paths, and no package.',
      severity: 'error',
      from: { path: '^src/models/' },
      to: {
        path: ['^src/', 'node_modules/'],
        pathNot: ['^src/models/', '^src/errors\\.ts$', '^src/paths\\.ts$'],
      },
    },
    {
      name: 'native-model-runtime-stays-in-its-adapter',
      comment:
        'node-llama-cpp (a native binding, loaded on the first local model call) is imported by adapters/llm/local/ only.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/adapters/llm/local/'] },
      to: { path: 'node_modules/node-llama-cpp/' },
    },
    {
      name: 'only-container-imports-adapters',
      comment:
        'plugins/container.ts, the composition root, is the one place that picks technologies.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: ['^src/plugins/container\\.ts$', '^src/adapters/', '\\.test\\.ts$'],
      },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'nothing-imports-routes-or-entry',
      comment:
        'Routes and server.ts are leaves: app.ts registers the routes, cli.ts starts the server.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app\\.ts$', '^src/cli\\.ts$', '^src/routes/'] },
      to: { path: ['^src/routes/', '^src/server\\.ts$'], pathNot: [] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
}
