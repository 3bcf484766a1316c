/**
 * POST /v1/search/text  — text -> images
 * POST /v1/search/image — image -> captions of similar images, with BLEU
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../deps';
import type { SearchMode } from '../domain/ports';
import { searchByImage, searchByText } from '../domain/search';
import { checkUpload, fileField, modelField, registerUploads, type Upload } from '../plugins/uploads';
import {
  BLEU_DESCRIPTION,
  imageLinks,
  imageResultProperties,
  kSchema,
  modeSchema,
  ms,
  problems,
  round,
  thresholdSchema,
} from '../schemas/common';

export const MAX_QUERY_CHARS = 500;

interface TextBody {
  query: string;
  k: number;
  threshold: number;
  mode: SearchMode;
}

interface ImageBody {
  image: Upload;
  k: number;
  threshold?: number;
  mode: SearchMode;
  model?: string;
}

const timingsSchema = {
  type: 'object',
  additionalProperties: { type: 'number' },
  description: 'Milliseconds per stage.',
} as const;

export async function searchRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  await registerUploads(app, ctx.config.MAX_UPLOAD_BYTES);
  const rateLimit = ctx.config.RATE_LIMIT_MAX > 0 ? { rateLimit: {} } : {};

  app.post<{ Body: TextBody }>(
    '/v1/search/text',
    {
      bodyLimit: ctx.config.MAX_JSON_BYTES,
      config: { contentTypes: ['application/json'], ...rateLimit },
      schema: {
        tags: ['search'],
        summary: 'Find images whose captions match a text',
        description:
          'One entry per image, at most k, scores descending, none below the threshold. An empty list is a normal answer.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['query'],
          properties: {
            query: { type: 'string', minLength: 1, maxLength: MAX_QUERY_CHARS, pattern: '\\S', description: 'The text to search for.' },
            k: kSchema,
            threshold: { ...thresholdSchema, default: 0.5 },
            mode: modeSchema,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['query', 'results', 'tookMs'],
            properties: {
              query: { type: 'string' },
              mode: { type: 'string' },
              k: { type: 'integer' },
              threshold: { type: 'number' },
              generationId: { type: 'string' },
              results: {
                type: 'array',
                items: { type: 'object', properties: imageResultProperties },
              },
              timings: timingsSchema,
              tookMs: { type: 'number' },
            },
          },
          ...problems(400, 413, 415, 429, 500, 503, 504),
        },
      },
    },
    async (request) => {
      const t0 = performance.now();
      const { query, k, threshold, mode } = request.body;
      const out = await searchByText(ctx.backends(request), { query, k, threshold, mode });
      return {
        query,
        mode,
        k,
        threshold,
        generationId: out.result.generationId,
        results: out.result.hits.map((h) => ({
          imageId: h.imageId,
          ...imageLinks(h.imageId),
          caption: h.caption,
          captions: h.captions,
          score: round(h.score),
        })),
        timings: out.timings,
        tookMs: ms(t0),
      };
    },
  );

  app.post<{ Body: ImageBody }>(
    '/v1/search/image',
    {
      config: { contentTypes: ['multipart/form-data'], ...rateLimit },
      schema: {
        tags: ['search'],
        summary: 'Caption an image and find the dataset captions closest to it',
        description:
          'Captions the image, embeds the caption and ranks dataset images by the similarity of their captions; ' +
          'the uploaded image itself (same bytes) is never returned. Each result has `bleu`: ' +
          BLEU_DESCRIPTION,
        consumes: ['multipart/form-data'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['image'],
          properties: {
            image: fileField('JPEG, PNG, WebP, GIF, TIFF or AVIF, at most MAX_UPLOAD_BYTES.'),
            k: kSchema,
            threshold: { ...thresholdSchema, description: `${thresholdSchema.description} Default: none.` },
            mode: modeSchema,
            model: modelField,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['caption', 'results', 'timings', 'tookMs'],
            properties: {
              caption: { type: 'string', description: 'The generated caption.' },
              model: { type: 'string', description: 'The captioning model.' },
              cached: { type: 'boolean' },
              generationId: { type: 'string' },
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { ...imageResultProperties, bleu: { type: 'number', description: BLEU_DESCRIPTION } },
                },
              },
              timings: timingsSchema,
              tookMs: { type: 'number' },
            },
          },
          ...problems(400, 413, 415, 422, 429, 500, 503, 504),
        },
      },
    },
    async (request) => {
      const t0 = performance.now();
      const { image, k, threshold, mode, model } = request.body;
      await checkUpload(image, ctx.config.MAX_IMAGE_PIXELS);
      const out = await searchByImage(ctx.backends(request), {
        image: image.buffer,
        k,
        threshold,
        mode,
        model: model || undefined,
      });
      return {
        caption: out.caption.caption,
        model: out.caption.model,
        cached: out.caption.cached,
        generationId: out.generationId,
        results: out.hits.map((h) => ({
          imageId: h.imageId,
          ...imageLinks(h.imageId),
          caption: h.caption,
          captions: h.captions,
          score: round(h.score),
          bleu: round(h.bleu),
        })),
        timings: out.timings,
        tookMs: ms(t0),
      };
    },
  );
}
