import path from 'node:path';
import { REINDEX_QUEUE, REPO_ROOT, env, loadConfig, processEnv } from '@tit/kit';

export const schema = {
  REDIS_URL: env.url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  /** Dataset indexed when --dataset is not given. */
  DATASET_DIR: env.string(path.join(REPO_ROOT, 'tools/datasets/sample')),
  INDEXER_QUEUE: env.string(REINDEX_QUEUE),
  /** BullMQ key prefix, as the indexer and gateway use it. */
  QUEUE_PREFIX: env.optionalString(),
  /** Set by pnpm to the directory the command was typed in: relative --dataset paths start there. */
  INIT_CWD: env.optionalString(),
};

export type IndexCliConfig = ReturnType<typeof loadIndexCliConfig>;
export const loadIndexCliConfig = (e = processEnv()) => loadConfig('index', schema, e);
