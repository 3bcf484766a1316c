import path from 'node:path';
import { commonSchema, ConfigError, DEFAULT_PORTS, env, loadConfig, processEnv, REPO_ROOT, type ConfigOf } from '@tit/kit';
import { defaultAnnDir } from './domain/ann-index';

/** The search service's environment variables (README.md has the table). */
/**
 * Default of SEARCH_ANN_CANDIDATES (and so of ef while searching). At 1M vectors in the search
 * benchmark, 100 gave recall@10 of images 0.935 (p50 0.99 ms) and 200 gives 0.966 (p50 1.30 ms);
 * the targets are ≥ 0.95 and ≤ 5 ms.
 */
export const DEFAULT_ANN_CANDIDATES = 200;

export const schema = {
  ...commonSchema,
  GRPC_HOST: env.string('0.0.0.0'),
  SEARCH_PORT: env.port(DEFAULT_PORTS.search),
  /** `writer` accepts BeginGeneration/Upsert/Commit/Abort/Rollback; `replica` only follows CURRENT. */
  SEARCH_ROLE: env.oneOf(['writer', 'replica'] as const, 'writer'),
  /** Shared folder of generation snapshots and the CURRENT pointer. */
  SEARCH_SNAPSHOT_DIR: env.string(path.join(REPO_ROOT, '.data/search')),
  /** Snapshot files kept by the writer (the served and previous ones always are). */
  SEARCH_SNAPSHOT_KEEP: env.int(3, 2, 1000),
  /** How often replicas re-read CURRENT (the fallback when no notification arrives). */
  SEARCH_SYNC_INTERVAL_MS: env.int(2000, 20, 3_600_000),
  /** Publish commits / subscribe to them over Redis pub/sub on REDIS_URL. */
  SEARCH_NOTIFY: env.bool(true),
  /** Pub/sub channel of commit notifications. */
  SEARCH_NOTIFY_CHANNEL: env.string('tit:search:current'),
  REDIS_URL: env.url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  /** Most images one query returns (k). */
  SEARCH_MAX_K: env.int(1000, 1, 100_000),
  /** Longest query text, in characters. */
  SEARCH_MAX_TEXT_CHARS: env.int(1000, 1, 1_000_000),
  /** Most exclusions (image ids + content hashes) in one query. */
  SEARCH_MAX_EXCLUSIONS: env.int(1000, 0, 1_000_000),
  /** Longest caption accepted by Upsert, in characters. */
  SEARCH_MAX_CAPTION_CHARS: env.int(2000, 1, 1_000_000),
  /** Longest id, image id, path, hash or model name, in characters. */
  SEARCH_MAX_ID_CHARS: env.int(1024, 16, 65_536),
  /** Most caption vectors in one generation. */
  SEARCH_MAX_VECTORS: env.int(2_000_000, 1, 100_000_000),
  /** Most generations building at once. */
  SEARCH_MAX_BUILDING: env.int(4, 1, 64),
  /** A building generation with no upsert for this long is discarded. */
  SEARCH_BUILD_IDLE_TTL_MS: env.int(6 * 3_600_000, 1000, 30 * 24 * 3_600_000),
  /** BM25 term-frequency saturation. */
  SEARCH_BM25_K1: env.number(1.2, 0, 100),
  /** BM25 length normalization (0 none, 1 full). */
  SEARCH_BM25_B: env.number(0.75, 0, 1),
  /** Weight w of the dense score in hybrid mode: w · cosine + (1 − w) · bm25 / max bm25. */
  SEARCH_HYBRID_DENSE_WEIGHT: env.number(0.7, 0, 1),
  /** Build an approximate (HNSW) index for generations with at least this many captions; 0 never. */
  SEARCH_ANN_THRESHOLD: env.int(200_000, 0, 1_000_000_000),
  SEARCH_ANN_CONNECTIVITY: env.int(16, 2, 256),
  SEARCH_ANN_EXPANSION_ADD: env.int(128, 1, 4096),
  SEARCH_ANN_EXPANSION_SEARCH: env.int(64, 1, 4096),
  /** Fewest caption candidates taken from the approximate index before exact re-scoring (≥ 10 × k are). */
  SEARCH_ANN_CANDIDATES: env.int(DEFAULT_ANN_CANDIDATES, 1, 100_000),
  SEARCH_ANN_QUANTIZATION: env.oneOf(['i8', 'f16', 'f32'] as const, 'i8'),
  /** Threads usearch uses while building; 0 lets it choose. */
  SEARCH_ANN_THREADS: env.int(0, 0, 256),
  /** Folder for approximate index files (memory-mapped, private to each process). */
  SEARCH_ANN_DIR: env.string(defaultAnnDir()),
};

export type SearchConfig = ConfigOf<typeof schema>;

/** Loads and validates the configuration; throws one ConfigError listing every problem. */
export const loadServiceConfig = (e = processEnv()): SearchConfig => {
  const config = loadConfig('search', schema, e);
  if (config.SEARCH_ANN_EXPANSION_SEARCH > 0 && config.SEARCH_ANN_CONNECTIVITY > config.SEARCH_ANN_EXPANSION_ADD) {
    throw new ConfigError('search', [
      `SEARCH_ANN_CONNECTIVITY (${config.SEARCH_ANN_CONNECTIVITY}) must not exceed SEARCH_ANN_EXPANSION_ADD (${config.SEARCH_ANN_EXPANSION_ADD})`,
    ]);
  }
  return config;
};
