import path from 'node:path';
import { DEFAULT_PORTS, REINDEX_QUEUE, REPO_ROOT, commonSchema, env, loadConfig, processEnv, type Parser } from '@tit/kit';

const addr = (port: number): string => `127.0.0.1:${port}`;

/** A gRPC target that may be unset. */
function optionalAddress(): Parser<string | undefined> {
  const parse = env.address('');
  return (raw, name) => (raw === undefined ? undefined : parse(raw, name));
}

export const schema = {
  ...commonSchema,
  GRPC_HOST: env.string('0.0.0.0'),
  /** Port of the indexer's grpc.health.v1 server (SERVING while connected to Redis). */
  INDEXER_PORT: env.port(DEFAULT_PORTS.indexer),
  REDIS_URL: env.url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  /** Queue name; tests use a unique one each. */
  INDEXER_QUEUE: env.string(REINDEX_QUEUE),
  /** BullMQ key prefix (BullMQ's "bull" when unset); producers must use the same one. */
  QUEUE_PREFIX: env.optionalString(),
  EMBEDDER_ADDR: env.address(addr(DEFAULT_PORTS.embedder)),
  /** Where queries go (only the first-start check reads through it). */
  SEARCH_ADDR: env.address(addr(DEFAULT_PORTS.search)),
  /** Where generations are written; defaults to SEARCH_ADDR (see the README for replicas). */
  SEARCH_WRITER_ADDR: optionalAddress(),
  CAPTIONER_ADDR: env.address(addr(DEFAULT_PORTS.captioner)),
  DATASET_DIR: env.string(path.join(REPO_ROOT, 'tools/datasets/sample')),
  /** Enqueue a re-index of DATASET_DIR at start when search serves no generation. */
  INDEXER_INDEX_ON_START: env.bool(true),
  /** Jobs this process runs at once. */
  INDEXER_CONCURRENCY: env.int(1, 1, 64),
  /** Captions per chunk (one Upsert stream, one progress step, the unit SIGTERM lets finish). */
  INDEXER_CHUNK_SIZE: env.int(512, 1, 100_000),
  /** Images per chunk for caption-less folders. */
  INDEXER_CAPTION_CHUNK_SIZE: env.int(16, 1, 10_000),
  /** Texts per Embed call. */
  INDEXER_EMBED_BATCH: env.int(128, 1, 4096),
  /** Caption calls in flight per job. */
  INDEXER_CAPTION_CONCURRENCY: env.int(4, 1, 256),
  /** Chunks embedded ahead of the one being stored (keeps the embedder busy). */
  INDEXER_PREFETCH_CHUNKS: env.int(2, 0, 16),
  /** Tries of one call on UNAVAILABLE / DEADLINE_EXCEEDED / RESOURCE_EXHAUSTED before the attempt fails. */
  INDEXER_CALL_ATTEMPTS: env.int(6, 1, 100),
  INDEXER_RETRY_BASE_MS: env.int(250, 1, 60_000),
  INDEXER_RETRY_MAX_MS: env.int(8000, 1, 600_000),
  INDEXER_EMBED_DEADLINE_MS: env.int(60_000, 100, 3_600_000),
  INDEXER_CAPTION_DEADLINE_MS: env.int(120_000, 100, 3_600_000),
  INDEXER_UPSERT_DEADLINE_MS: env.int(60_000, 100, 3_600_000),
  INDEXER_COMMIT_DEADLINE_MS: env.int(300_000, 100, 3_600_000),
  INDEXER_CONTROL_DEADLINE_MS: env.int(10_000, 100, 600_000),
  /** Poll interval while waiting for a dependency to be SERVING. */
  INDEXER_HEALTH_POLL_MS: env.int(1000, 10, 60_000),
  /** BullMQ job lock: a killed worker's job is picked up again after about this long. */
  INDEXER_LOCK_MS: env.int(30_000, 500, 3_600_000),
  /** How often workers look for stalled jobs (jobs whose worker died). */
  INDEXER_STALLED_INTERVAL_MS: env.int(30_000, 100, 3_600_000),
  /** Times a job may stall (its worker die) before it fails. */
  INDEXER_MAX_STALLED: env.int(5, 0, 1000),
};

export type IndexerConfig = ReturnType<typeof loadServiceConfig>;
export const loadServiceConfig = (e = processEnv()) => loadConfig('indexer', schema, e);

/** The search address generations are written to. */
export function searchWriterAddr(cfg: IndexerConfig): string {
  return cfg.SEARCH_WRITER_ADDR ?? cfg.SEARCH_ADDR;
}
