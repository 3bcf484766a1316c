import path from 'node:path';
import { DEFAULT_PORTS, REPO_ROOT, commonSchema, env, loadConfig, processEnv } from '@tit/kit';

export const schema = {
  ...commonSchema,
  GATEWAY_PORT: env.port(DEFAULT_PORTS.gateway),
  EMBEDDER_PORT: env.port(DEFAULT_PORTS.embedder),
  SEARCH_PORT: env.port(DEFAULT_PORTS.search),
  CAPTIONER_PORT: env.port(DEFAULT_PORTS.captioner),
  INDEXER_PORT: env.port(DEFAULT_PORTS.indexer),
  REDIS_URL: env.url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  MODELS_DIR: env.string(path.join(REPO_ROOT, '.models')),
  DATASET_DIR: env.string(path.join(REPO_ROOT, 'tools/datasets/sample')),
  SEARCH_SNAPSHOT_DIR: env.string(path.join(REPO_ROOT, '.data/search')),
  /** Seconds to wait for every process to report healthy before giving up. */
  START_TIMEOUT_S: env.int(300, 5, 3600),
};

export type StartConfig = ReturnType<typeof loadStartConfig>;
export const loadStartConfig = (e = processEnv()) => loadConfig('start', schema, e);

/** The environment handed to every child: the caller's, plus the resolved addresses and folders. */
export function childEnv(cfg: StartConfig, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...base,
    GATEWAY_PORT: String(cfg.GATEWAY_PORT),
    EMBEDDER_PORT: String(cfg.EMBEDDER_PORT),
    SEARCH_PORT: String(cfg.SEARCH_PORT),
    CAPTIONER_PORT: String(cfg.CAPTIONER_PORT),
    INDEXER_PORT: String(cfg.INDEXER_PORT),
    EMBEDDER_ADDR: base.EMBEDDER_ADDR ?? `127.0.0.1:${cfg.EMBEDDER_PORT}`,
    SEARCH_ADDR: base.SEARCH_ADDR ?? `127.0.0.1:${cfg.SEARCH_PORT}`,
    SEARCH_WRITER_ADDR: base.SEARCH_WRITER_ADDR ?? `127.0.0.1:${cfg.SEARCH_PORT}`,
    CAPTIONER_ADDR: base.CAPTIONER_ADDR ?? `127.0.0.1:${cfg.CAPTIONER_PORT}`,
    REDIS_URL: cfg.REDIS_URL,
    MODELS_DIR: cfg.MODELS_DIR,
    DATASET_DIR: cfg.DATASET_DIR,
    SEARCH_SNAPSHOT_DIR: cfg.SEARCH_SNAPSHOT_DIR,
    GRPC_HOST: base.GRPC_HOST ?? '127.0.0.1',
  };
}
