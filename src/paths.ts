import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'

/** The project root: one level above `src/` when run from source and above `dist/` when built. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url))

/** Folder of the per-language data files (one sub-folder per language). */
export const languagesDir = fileURLToPath(new URL('../languages/', import.meta.url))

/** Folder of the SQL migrations shared by the SQLite and PostgreSQL stores. */
export const migrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url))

/** The version published in package.json. */
export const version: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
).version

/** Folder of the prompt templates shared by every language (`prompts/*.md`). */
export const promptsDir = fileURLToPath(new URL('../prompts/', import.meta.url))

/** Folder of the built web UI (`npm run build` writes it with Vite from `web/`). */
export const webDir = fileURLToPath(new URL('../dist/web/', import.meta.url))
