/**
 * POST /v1/index           — enqueue a re-index (admin key when ADMIN_API_KEY is set)
 * GET  /v1/index/jobs/:id  — a re-index job's state and progress
 * GET  /v1/index           — the served generation, and the running job if any
 */
import type { FastifyInstance } from 'fastify';
import type { ReindexJobData, ReindexJobView } from '@tit/kit';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors/api-error';
import { RETRY_AFTER_S } from '../errors/grpc-status';
import { resolveDatasetDir } from '../domain/dataset-paths';
import type { Reindexer } from '../downstream/reindex';
import { adminGuard } from '../plugins/admin-auth';
import { problems } from '../schemas/common';

interface IndexBody {
  dataset?: string;
  split?: string;
  model?: string;
  format?: NonNullable<ReindexJobData['format']>;
}

const generationSchema = {
  type: 'object',
  nullable: true,
  properties: {
    id: { type: 'string' },
    state: { type: 'string', description: 'building, serving, previous or aborted' },
    model: { type: 'string', description: 'Embedding model of its vectors.' },
    dimensions: { type: 'integer' },
    captionCount: { type: 'integer' },
    imageCount: { type: 'integer' },
    dataset: { type: 'string' },
    createdAt: { type: 'string', nullable: true, format: 'date-time' },
    committedAt: { type: 'string', nullable: true, format: 'date-time' },
  },
} as const;

export const jobSchema = {
  type: 'object',
  nullable: true,
  properties: {
    jobId: { type: 'string' },
    state: { type: 'string', description: 'waiting, active, completed, failed, delayed, ...' },
    progress: {
      type: 'object',
      properties: {
        done: { type: 'integer' },
        total: { type: 'integer' },
        skipped: { type: 'integer' },
        phase: { type: 'string' },
      },
    },
    result: {
      type: 'object',
      properties: {
        generationId: { type: 'string' },
        captions: { type: 'integer' },
        images: { type: 'integer' },
        skipped: { type: 'integer' },
        generated: { type: 'integer' },
        ms: { type: 'number' },
      },
    },
    error: { type: 'string' },
  },
} as const;

/** A job as the API shows it (the payload's paths stay internal). */
export function jobView(j: ReindexJobView): Record<string, unknown> {
  return {
    jobId: j.jobId,
    state: j.state,
    progress: j.progress,
    ...(j.result ? { result: j.result } : {}),
    ...(j.error ? { error: j.error } : {}),
  };
}

function requireReindexer(ctx: RouteContext): Reindexer {
  if (!ctx.reindexer) {
    throw new ApiError('unavailable', 'no job queue is configured', { retryAfterS: RETRY_AFTER_S.unavailable });
  }
  return ctx.reindexer;
}

export async function indexRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.post<{ Body: IndexBody | undefined }>(
    '/v1/index',
    {
      bodyLimit: ctx.config.MAX_JSON_BYTES,
      config: { contentTypes: ['application/json'] },
      // The key is checked before the body is validated, so an unauthorized caller learns nothing.
      onRequest: adminGuard(ctx.config.ADMIN_API_KEY),
      // No body means "the configured dataset".
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['index'],
        summary: 'Re-index the configured dataset, or the given one',
        description:
          'Needs the admin key (x-api-key or Authorization: Bearer) when ADMIN_API_KEY is set. ' +
          'A dataset must be a folder inside DATASET_DIR or DATASETS_ROOT (absolute, or relative to DATASETS_ROOT). ' +
          'While a re-index of the same dataset and model waits or runs, its job is returned (existing: true).',
        security: [{ apiKey: [] }, { bearer: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            dataset: { type: 'string', minLength: 1, maxLength: 1024 },
            split: { type: 'string', pattern: '^[\\w-]{1,32}$' },
            model: { type: 'string', pattern: '^[\\w./:-]{1,200}$' },
            format: { type: 'string', enum: ['auto', 'flickr8k-kaggle', 'flickr8k-token', 'coco', 'images'] },
          },
        },
        response: {
          202: {
            type: 'object',
            properties: {
              jobId: { type: 'string' },
              existing: { type: 'boolean' },
              statusUrl: { type: 'string' },
            },
          },
          ...problems(400, 401, 413, 415, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const reindexer = requireReindexer(ctx);
      const body = request.body ?? {};
      let dataset = ctx.allowedRoots[0] ?? ctx.config.DATASET_DIR;
      if (body.dataset !== undefined) {
        const r = await resolveDatasetDir(ctx.allowedRoots, ctx.config.DATASETS_ROOT, body.dataset);
        if (!r.ok) throw new ApiError('invalid_request', r.reason, { errors: [{ field: '/dataset', message: r.reason }] });
        dataset = r.dir;
      }
      const data: ReindexJobData = {
        dataset,
        ...(body.split ? { split: body.split } : {}),
        ...(body.model ? { model: body.model } : {}),
        ...(body.format ? { format: body.format } : {}),
        requestedBy: 'gateway',
        requestId: request.id,
      };
      const { jobId, existing } = await reindexer.enqueue(data);
      request.log.info({ jobId, existing }, 're-index requested');
      return reply.code(202).send({ jobId, existing, statusUrl: `/v1/index/jobs/${encodeURIComponent(jobId)}` });
    },
  );

  app.get<{ Params: { jobId: string } }>(
    '/v1/index/jobs/:jobId',
    {
      schema: {
        tags: ['index'],
        summary: 'A re-index job',
        params: {
          type: 'object',
          required: ['jobId'],
          properties: { jobId: { type: 'string', pattern: '^[\\w.:-]{1,200}$' } },
        },
        response: { 200: { ...jobSchema, nullable: false }, ...problems(400, 404, 500, 503) },
      },
    },
    async (request) => {
      const job = await requireReindexer(ctx).get(request.params.jobId);
      if (!job) throw new ApiError('not_found', `job ${request.params.jobId} not found (unknown or expired)`);
      return jobView(job);
    },
  );

  app.get(
    '/v1/index',
    {
      schema: {
        tags: ['index'],
        summary: 'The served generation and the running re-index',
        response: {
          200: {
            type: 'object',
            properties: {
              generation: { ...generationSchema, description: 'The served generation; null before the first commit.' },
              previous: { ...generationSchema, description: 'The rollback target.' },
              building: { type: 'array', items: { ...generationSchema, nullable: false } },
              approximate: { type: 'boolean', description: 'Whether an approximate index answers dense queries.' },
              job: { ...jobSchema, description: 'The re-index job running or waiting now; null when none (or the queue is unreachable).' },
            },
          },
          ...problems(500, 503, 504),
        },
      },
    },
    async (request) => {
      const [stats, job] = await Promise.all([
        ctx.backends(request).getStats(),
        // The page shows the index even when Redis is down; the job is then unknown.
        ctx.reindexer?.active().catch((err: unknown) => {
          request.log.warn({ err }, 'cannot read the job queue');
          return undefined;
        }),
      ]);
      return {
        generation: stats.serving,
        previous: stats.previous,
        building: stats.building,
        approximate: stats.approximate,
        job: job ? jobView(job) : null,
      };
    },
  );
}
