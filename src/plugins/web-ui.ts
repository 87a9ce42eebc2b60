import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { AppError } from '../errors.js'

/**
 * The paths of the UI's pages (`web/src/app.tsx`). Each answers the same `index.html`, so a page
 * can be bookmarked and reloaded; any other path stays the API's JSON 404.
 */
export const UI_PAGES = [
  '/',
  '/generate',
  '/analyse',
  '/history',
  '/history/:id',
  '/jobs',
  '/jobs/:id',
  '/admin',
  '/login',
] as const

/**
 * Public, and outside the rate limit: loading a page fetches a dozen files, which must not
 * use up the API calls the limit is there to count.
 */
const STATIC_ROUTE = { access: 'public', rateLimit: false } as const

const ASSET_NAME = /^[\w-]+(?:\.[\w-]+)*$/

/** Hashed file names change with their content, so a browser may keep them for a year. */
const ASSET_CACHE = 'public, max-age=31536000, immutable'

/**
 * Serves the web UI built into `root` (`dist/web`): the pages (revalidated on every load, so a
 * new release shows at once) and `/assets/*` (cached for good), each sent pre-compressed (brotli
 * or gzip, written at build time) when the browser accepts it. Public: the UI holds no data of
 * its own and calls the API with the user's credential.
 */
export async function webUiPlugin(app: FastifyInstance, options: { root: string }): Promise<void> {
  const { root } = options
  await app.register(fastifyStatic, {
    root,
    serve: false,
    preCompressed: true,
    // @fastify/send's own Cache-Control is replaced by the two policies below.
    cacheControl: false,
    index: false,
    dotfiles: 'deny',
  })

  const sendPage = (reply: FastifyReply) => {
    if (!existsSync(join(root, 'index.html'))) {
      throw new AppError(
        'APP_ERR_ROUTE_NOT_FOUND',
        "The web UI is not built here: run 'npm run build' (the API under /api works without it)",
      )
    }
    return reply
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .sendFile('index.html')
  }

  for (const url of UI_PAGES) {
    app.get(url, { config: STATIC_ROUTE, schema: { hide: true } }, (_request, reply) =>
      sendPage(reply),
    )
  }

  app.get<{ Params: { '*': string } }>(
    '/assets/*',
    { config: STATIC_ROUTE, schema: { hide: true } },
    (request, reply) => {
      const file = request.params['*']
      // The build writes a flat folder of hashed names: anything else is not one of them.
      // (Checked here: @fastify/static's own not-found would answer 405, the path having a route.)
      if (!ASSET_NAME.test(file) || !existsSync(join(root, 'assets', file))) {
        throw new AppError('APP_ERR_NOT_FOUND', 'No such file in the web UI')
      }
      return reply.header('cache-control', ASSET_CACHE).sendFile(`assets/${file}`)
    },
  )
}
