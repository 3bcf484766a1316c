import path from 'node:path';
import { DEFAULT_PORTS, REPO_ROOT, commonSchema, env, loadConfig, processEnv, type ConfigOf } from '@tit/kit';

/**
 * The gateway's environment. Every variable is validated at start-up (kit `loadConfig` lists all
 * problems at once). See gateway/README.md for the table.
 */
export const schema = {
  ...commonSchema,
  GATEWAY_PORT: env.port(DEFAULT_PORTS.gateway),
  GATEWAY_HOST: env.string('0.0.0.0'),
  EMBEDDER_ADDR: env.address(`127.0.0.1:${DEFAULT_PORTS.embedder}`),
  SEARCH_ADDR: env.address(`127.0.0.1:${DEFAULT_PORTS.search}`),
  CAPTIONER_ADDR: env.address(`127.0.0.1:${DEFAULT_PORTS.captioner}`),
  REDIS_URL: env.url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  /** BullMQ key prefix; must match the indexer's (separates several deployments on one Redis). */
  QUEUE_PREFIX: env.optionalString(),
  /** The dataset a re-index without a body indexes; images are served from inside it. */
  DATASET_DIR: env.string(path.join(REPO_ROOT, 'tools/datasets/sample')),
  /** Optional folder whose sub-folders may also be indexed and served (e.g. /data/datasets). */
  DATASETS_ROOT: env.optionalString(),
  /** When set, POST /v1/index needs `x-api-key: <key>` or `Authorization: Bearer <key>`. */
  ADMIN_API_KEY: env.optionalString(),
  /** Search and caption requests allowed per client (IP) per window; 0 disables rate limiting. */
  RATE_LIMIT_MAX: env.int(60, 0, 1_000_000),
  RATE_LIMIT_WINDOW_MS: env.int(60_000, 100, 86_400_000),
  /** Comma-separated allowed origins, `*` for any; empty disables CORS headers. */
  CORS_ORIGINS: env.list([]),
  /** Budget of one request in ms; every gRPC hop gets the remaining part as its deadline. */
  REQUEST_TIMEOUT_MS: env.int(15_000, 100, 600_000),
  /** Largest accepted image upload in bytes. */
  MAX_UPLOAD_BYTES: env.int(10 * 1024 * 1024, 1024, 64 * 1024 * 1024),
  /** Most pixels (width x height, from the header) an uploaded image may declare: decompression bombs are 413. */
  MAX_IMAGE_PIXELS: env.int(50_000_000, 1, 1_000_000_000),
  /** Largest accepted JSON body in bytes. */
  MAX_JSON_BYTES: env.int(16 * 1024, 256, 1024 * 1024),
  /** Bytes of thumbnails kept in memory (LRU). */
  THUMBNAIL_CACHE_BYTES: env.int(64 * 1024 * 1024, 0, 4 * 1024 * 1024 * 1024),
  /** Optional folder for a second, on-disk thumbnail cache (LRU, bounded by THUMBNAIL_DISK_CACHE_BYTES). */
  THUMBNAIL_CACHE_DIR: env.optionalString(),
  THUMBNAIL_DISK_CACHE_BYTES: env.int(512 * 1024 * 1024, 0, 1024 * 1024 * 1024 * 1024),
  /** Trust X-Forwarded-For (behind an ingress) so rate limits key on the real client. */
  TRUST_PROXY: env.bool(false),
  /** Serve the web UI at `/`. */
  SERVE_UI: env.bool(true),
};

export type GatewayConfig = ConfigOf<typeof schema>;

/** Parses and validates the gateway's environment. */
export const loadGatewayConfig = (e: NodeJS.ProcessEnv = processEnv()): GatewayConfig => loadConfig('gateway', schema, e);
