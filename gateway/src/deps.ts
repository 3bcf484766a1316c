/**
 * What the app is built from. `createDeps` is the production wiring (main.ts); tests build the
 * same object around fake gRPC servers and a test queue.
 */
import type { FastifyRequest } from 'fastify';
import type { Logger } from '@tit/kit';
import type { GatewayConfig } from './config';
import { createGrpcClients, type GrpcClients } from './downstream/clients';
import { Hops } from './downstream/hops';
import { createReindexer, type Reindexer } from './downstream/reindex';
import type { Backends } from './domain/ports';
import { ThumbnailCache } from './domain/thumbnails';
import type { GatewayMetrics } from './plugins/metrics';

export interface GatewayDeps {
  config: GatewayConfig;
  log: Logger;
  clients: GrpcClients;
  /** Absent when no queue is configured: index mutations then answer 503. */
  reindexer?: Reindexer;
  thumbnails: ThumbnailCache;
  /** Defaults to a fresh registry with process metrics. */
  metrics?: GatewayMetrics;
}

/** What route plugins receive. */
export interface RouteContext {
  config: GatewayConfig;
  clients: GrpcClients;
  metrics: GatewayMetrics;
  reindexer?: Reindexer;
  thumbnails: ThumbnailCache;
  /** DATASET_DIR and DATASETS_ROOT, symlinks resolved. */
  allowedRoots: string[];
  /** The services for one request: its id, deadline and abort signal go with every call. */
  backends(request: FastifyRequest): Backends;
}

export function routeContext(deps: GatewayDeps, metrics: GatewayMetrics, allowedRoots: string[]): RouteContext {
  return {
    config: deps.config,
    clients: deps.clients,
    metrics,
    reindexer: deps.reindexer,
    thumbnails: deps.thumbnails,
    allowedRoots,
    backends: (request) =>
      new Hops({
        clients: deps.clients,
        metrics,
        requestId: request.id,
        deadlineAt: request.deadlineAt,
        signal: request.abortSignal,
      }),
  };
}

/** Production wiring from the configuration. */
export async function createDeps(config: GatewayConfig, log: Logger): Promise<GatewayDeps> {
  return {
    config,
    log,
    clients: createGrpcClients({
      captioner: config.CAPTIONER_ADDR,
      embedder: config.EMBEDDER_ADDR,
      search: config.SEARCH_ADDR,
    }),
    reindexer: createReindexer(config.REDIS_URL, {
      timeoutMs: Math.min(5000, config.REQUEST_TIMEOUT_MS),
      ...(config.QUEUE_PREFIX ? { prefix: config.QUEUE_PREFIX } : {}),
    }),
    thumbnails: await ThumbnailCache.create({
      memoryBytes: config.THUMBNAIL_CACHE_BYTES,
      dir: config.THUMBNAIL_CACHE_DIR,
      diskBytes: config.THUMBNAIL_DISK_CACHE_BYTES,
    }),
  };
}

/** Releases what createDeps opened. */
export async function closeDeps(deps: GatewayDeps): Promise<void> {
  deps.clients.close();
  await deps.reindexer?.close();
}
