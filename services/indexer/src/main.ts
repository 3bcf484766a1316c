import { Redis } from 'ioredis';
import { createLogger, exitOnStartupError, openReindexQueue, runGrpcService } from '@tit/kit';
import { GrpcCaptioner } from './clients/captioner.client';
import { GrpcEmbedder } from './clients/embedder.client';
import { HealthWaiter } from './clients/health-waiter';
import { GrpcSearchWriter } from './clients/search-writer.client';
import { loadServiceConfig, searchWriterAddr } from './config';
import { indexOnFirstStart } from './first-start';
import { followRedis } from './redis-health';
import { buildServer } from './server';
import { createReindexWorker, stopReindexWorker } from './worker/reindex.worker';

async function main(): Promise<void> {
  const cfg = loadServiceConfig();
  const log = createLogger('indexer', cfg.LOG_LEVEL);
  const writerAddr = searchWriterAddr(cfg);
  const embedder = new GrpcEmbedder(cfg.EMBEDDER_ADDR, { embedMs: cfg.INDEXER_EMBED_DEADLINE_MS, infoMs: cfg.INDEXER_CONTROL_DEADLINE_MS });
  const searchDeadlines = {
    controlMs: cfg.INDEXER_CONTROL_DEADLINE_MS,
    upsertMs: cfg.INDEXER_UPSERT_DEADLINE_MS,
    commitMs: cfg.INDEXER_COMMIT_DEADLINE_MS,
  };
  const writer = new GrpcSearchWriter(writerAddr, searchDeadlines);
  const reader = writerAddr === cfg.SEARCH_ADDR ? writer : new GrpcSearchWriter(cfg.SEARCH_ADDR, searchDeadlines);
  const captioner = new GrpcCaptioner(cfg.CAPTIONER_ADDR, cfg.INDEXER_CAPTION_DEADLINE_MS);
  const health = new HealthWaiter(
    { embedder: cfg.EMBEDDER_ADDR, search: writerAddr, captioner: cfg.CAPTIONER_ADDR },
    log.child({ component: 'health' }),
    cfg.INDEXER_HEALTH_POLL_MS,
  );
  const redis = new Redis(cfg.REDIS_URL, { maxRetriesPerRequest: null });
  const worker = createReindexWorker(
    {
      embedder,
      index: writer,
      captioner,
      health,
      log: log.child({ component: 'worker' }),
      settings: {
        chunkSize: cfg.INDEXER_CHUNK_SIZE,
        captionChunkSize: cfg.INDEXER_CAPTION_CHUNK_SIZE,
        embedBatch: cfg.INDEXER_EMBED_BATCH,
        captionConcurrency: cfg.INDEXER_CAPTION_CONCURRENCY,
        prefetch: cfg.INDEXER_PREFETCH_CHUNKS,
        retry: { attempts: cfg.INDEXER_CALL_ATTEMPTS, baseMs: cfg.INDEXER_RETRY_BASE_MS, maxMs: cfg.INDEXER_RETRY_MAX_MS },
      },
    },
    {
      queueName: cfg.INDEXER_QUEUE,
      ...(cfg.QUEUE_PREFIX ? { prefix: cfg.QUEUE_PREFIX } : {}),
      connection: redis,
      concurrency: cfg.INDEXER_CONCURRENCY,
      lockDuration: cfg.INDEXER_LOCK_MS,
      stalledInterval: cfg.INDEXER_STALLED_INTERVAL_MS,
      maxStalledCount: cfg.INDEXER_MAX_STALLED,
    },
  );
  const queue = openReindexQueue(cfg.REDIS_URL, { name: cfg.INDEXER_QUEUE, ...(cfg.QUEUE_PREFIX ? { prefix: cfg.QUEUE_PREFIX } : {}) });
  const { server, health: serverHealth } = buildServer();
  const stopping = new AbortController();
  let warm = false;
  followRedis(redis, serverHealth, log, () => warm && !stopping.signal.aborted);

  await runGrpcService({
    log,
    server,
    health: serverHealth,
    host: cfg.GRPC_HOST,
    port: cfg.INDEXER_PORT,
    graceMs: cfg.SHUTDOWN_GRACE_MS,
    warmUp: async () => {
      await worker.waitUntilReady();
      log.info({ queue: cfg.INDEXER_QUEUE, concurrency: cfg.INDEXER_CONCURRENCY }, 'worker connected to redis');
      warm = true;
      if (cfg.INDEXER_INDEX_ON_START) {
        // In the background: health must not wait for search to come up.
        indexOnFirstStart({
          queue,
          serving: async () => (await reader.stats()).serving,
          health,
          dataset: cfg.DATASET_DIR,
          log,
          signal: stopping.signal,
        }).catch((err: unknown) => {
          if (!stopping.signal.aborted) log.error({ err }, 'first-start indexing check failed');
        });
      }
    },
    close: async () => {
      stopping.abort();
      await stopReindexWorker(worker);
      await queue.close();
      await redis.quit().catch(() => undefined);
      for (const c of [embedder, writer, reader, captioner, health]) c.close();
    },
  });
}

main().catch(exitOnStartupError('indexer'));
