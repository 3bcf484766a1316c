/** POST /v1/captions — caption an uploaded image. */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../deps';
import { checkUpload, fileField, modelField, registerUploads, type Upload } from '../plugins/uploads';
import { ms, problems } from '../schemas/common';

interface CaptionBody {
  image: Upload;
  model?: string;
}

export async function captionRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  await registerUploads(app, ctx.config.MAX_UPLOAD_BYTES);
  app.post<{ Body: CaptionBody }>(
    '/v1/captions',
    {
      config: { contentTypes: ['multipart/form-data'], ...(ctx.config.RATE_LIMIT_MAX > 0 ? { rateLimit: {} } : {}) },
      schema: {
        tags: ['captions'],
        summary: 'Caption an image',
        consumes: ['multipart/form-data'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['image'],
          properties: {
            image: fileField('JPEG, PNG, WebP, GIF, TIFF or AVIF, at most MAX_UPLOAD_BYTES.'),
            model: modelField,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['caption', 'model', 'tookMs'],
            properties: {
              caption: { type: 'string' },
              model: { type: 'string' },
              cached: { type: 'boolean', description: 'Answered from the captioner cache.' },
              tokenCount: { type: 'integer' },
              timings: { type: 'object', additionalProperties: { type: 'number' } },
              tookMs: { type: 'number' },
            },
          },
          ...problems(400, 413, 415, 422, 429, 500, 503, 504),
        },
      },
    },
    async (request) => {
      const t0 = performance.now();
      await checkUpload(request.body.image, ctx.config.MAX_IMAGE_PIXELS);
      const c = await ctx.backends(request).caption(request.body.image.buffer, request.body.model || undefined);
      return { caption: c.caption, model: c.model, cached: c.cached, tokenCount: c.tokenCount, timings: c.timings, tookMs: ms(t0) };
    },
  );
}
