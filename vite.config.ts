import { defineConfig } from 'vite'
import { precompress } from './web/build/precompress.js'

/**
 * The web UI (`web/`), built into `dist/web/` by `npm run build` and served at `/` by the API
 * server (`src/plugins/web-ui.ts`). `npm run dev:web` serves it with hot reload and sends `/api`
 * to a server on port 8000 (`npm start`).
 */
export default defineConfig({
  root: 'web',
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    // Every browser the UI supports has modulepreload; the polyfill would only add bytes.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000', ws: true },
      '/metrics': 'http://127.0.0.1:8000',
    },
  },
  plugins: [precompress()],
})
