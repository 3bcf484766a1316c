/** The web UI: static files of gateway/public at `/` (no build step). */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

export const PUBLIC_DIR = path.resolve(__dirname, '../../public');

export async function uiRoutes(app: FastifyInstance, opts: { root?: string }): Promise<void> {
  await app.register(fastifyStatic, {
    root: opts.root ?? PUBLIC_DIR,
    prefix: '/',
    // One route per file found at start-up rather than a catch-all, so unknown paths stay 404
    // problems and metrics keep one label per real route.
    wildcard: false,
    index: ['index.html'],
    cacheControl: true,
    maxAge: '5m',
    schemaHide: true,
  });
}
