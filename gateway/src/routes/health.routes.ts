/**
 * GET /healthz — the process is alive (no dependency is checked, so a restart never fixes a
 * dependency outage).
 * GET /readyz  — 200 only when captioner, embedder and search report SERVING over grpc.health.v1
 * and the index serves a committed generation; otherwise 503 naming what is not ready, with the
 * re-index progress when the missing generation is being built.
 */
import type { FastifyInstance } from 'fastify';
import { checkHealth } from '@tit/kit';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors/api-error';
import { RETRY_AFTER_S } from '../errors/grpc-status';
import { sendProblem } from '../errors/error-handler';
import { SERVICE_NAMES, type ServiceName } from '../downstream/clients';
import type { IndexStats } from '../domain/ports';
import { jobView } from './index.routes';
import { problems } from '../schemas/common';

/** Upper bound of one health probe, ms. */
const PROBE_MS = 1000;

export async function healthRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: services SERVING and a generation committed',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              services: { type: 'object', additionalProperties: { type: 'string' } },
              generation: {
                type: 'object',
                properties: { id: { type: 'string' }, model: { type: 'string' }, imageCount: { type: 'integer' } },
              },
            },
          },
          503: {
            $ref: 'Problem#',
            description:
              'Not ready: `notReady` lists the reasons, `services` each health status, `indexing` the running re-index (if any).',
          },
          ...problems(500),
        },
      },
    },
    async (request, reply) => {
      const probeMs = Math.max(50, Math.min(PROBE_MS, request.deadlineAt - Date.now()));
      const statuses = await Promise.all(SERVICE_NAMES.map((s) => checkHealth(ctx.clients.health[s], '', probeMs)));
      const services = Object.fromEntries(SERVICE_NAMES.map((s, i) => [s, statuses[i]])) as Record<ServiceName, string>;
      const notReady: string[] = SERVICE_NAMES.filter((s) => services[s] !== 'SERVING').map(
        (s) => `${s} is ${services[s]}`,
      );
      let stats: IndexStats | undefined;
      if (services.search === 'SERVING') {
        stats = await ctx
          .backends(request)
          .getStats()
          .catch((err: unknown) => {
            request.log.warn({ err }, 'readiness: GetStats failed');
            return undefined;
          });
        if (!stats) notReady.push('the index cannot be read');
        else if (!stats.serving) notReady.push('no generation is committed');
      }
      if (notReady.length === 0 && stats?.serving) {
        const g = stats.serving;
        return { status: 'ready', services, generation: { id: g.id, model: g.model, imageCount: g.imageCount } };
      }
      const job = stats && !stats.serving ? await ctx.reindexer?.active().catch(() => undefined) : undefined;
      const indexing = job ? jobView(job) : null;
      const progress = job ? ` (re-index ${job.state}: ${job.progress.done}/${job.progress.total})` : '';
      return sendProblem(
        reply,
        new ApiError('not_ready', `not ready: ${notReady.join('; ')}${progress}`, {
          retryAfterS: RETRY_AFTER_S.notReady,
          extra: { notReady, services, indexing },
        }),
      );
    },
  );
}
