/**
 * GET /v1/images/:imageId[?size=N] — a dataset image of the served generation, or a JPEG thumbnail
 * whose longest side is N px. The id is looked up with search.GetImage; the file must resolve
 * inside the generation's dataset root, itself inside an allowed root (domain/dataset-paths.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors/api-error';
import { resolveDatasetFile } from '../domain/dataset-paths';
import { THUMBNAIL_MAX, THUMBNAIL_MIN } from '../domain/thumbnails';
import { imageIdPattern, problems } from '../schemas/common';

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.avif': 'image/avif',
};

/** Browsers may keep an image for an hour; the ETag (content hash) revalidates after that. */
const CACHE_CONTROL = 'public, max-age=3600';

export async function imageRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get<{ Params: { imageId: string }; Querystring: { size?: number } }>(
    '/v1/images/:imageId',
    {
      schema: {
        tags: ['images'],
        summary: 'A dataset image, or a JPEG thumbnail of it',
        params: {
          type: 'object',
          required: ['imageId'],
          properties: { imageId: { type: 'string', pattern: imageIdPattern } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            size: {
              type: 'integer',
              minimum: THUMBNAIL_MIN,
              maximum: THUMBNAIL_MAX,
              description: 'Longest side of a JPEG thumbnail, px. Absent: the original file.',
            },
          },
        },
        response: {
          200: { description: 'The image bytes (the file type; image/jpeg for thumbnails).', type: 'string', format: 'binary' },
          304: { description: 'Not modified (If-None-Match matched the ETag).', type: 'null' },
          ...problems(400, 404, 500, 503, 504),
        },
      },
    },
    async (request, reply) => {
      const { imageId } = request.params;
      const size = request.query.size;
      const record = await ctx.backends(request).getImage(imageId);
      const file = await resolveDatasetFile(ctx.allowedRoots, record.dataset, record.imagePath);
      if (!file) {
        request.log.warn({ imageId, imagePath: record.imagePath, dataset: record.dataset }, 'image path refused or missing');
        throw new ApiError('not_found', `image ${imageId} not found`);
      }
      const identity = record.contentHash || `${file}:${(await fs.promises.stat(file)).mtimeMs}`;
      const etag = `"${identity.slice(0, 32)}${size ? `-${size}` : ''}"`;
      void reply.header('etag', etag).header('cache-control', CACHE_CONTROL);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      if (size) {
        const jpeg = await ctx.thumbnails.get(identity, file, size).catch((err: unknown) => {
          // A broken file in the dataset is the server's problem, not the client's: a 500.
          throw new ApiError('internal', 'internal error', { cause: err });
        });
        return reply.type('image/jpeg').send(jpeg);
      }
      const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      // Dataset images are small (Flickr8k: ~100 KB); reading them whole means a file that vanishes
      // between the check and the read is a clean 404, not a response broken half-way.
      const bytes = await fs.promises.readFile(file).catch(() => undefined);
      if (!bytes) throw new ApiError('not_found', `image ${imageId} not found`);
      return reply.type(type).send(bytes);
    },
  );
}
