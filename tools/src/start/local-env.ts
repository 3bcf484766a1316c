/**
 * The environment of all five processes on this machine, each on a free loopback port: what the
 * end-to-end tests (tests/support/test-system.ts) and the system benchmarks
 * (tools/src/bench/system/run-system.ts) start, each adding its own settings on top.
 */
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from '@tit/kit';

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

export interface LocalEnvOptions {
  modelsDir: string;
  /** A private folder: the search snapshots go in `<scratchDir>/search`. */
  scratchDir: string;
  /** BullMQ queue prefix, so runs sharing one Redis stay apart. */
  queuePrefix: string;
}

/** Ports, addresses, Redis, models, the sample dataset and a private snapshot folder. */
export async function localSystemEnv(
  o: LocalEnvOptions,
): Promise<NodeJS.ProcessEnv & { GATEWAY_PORT: string }> {
  const [gw, emb, sea, cap, idx] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GRPC_HOST: '127.0.0.1',
    GATEWAY_PORT: String(gw),
    EMBEDDER_PORT: String(emb),
    SEARCH_PORT: String(sea),
    CAPTIONER_PORT: String(cap),
    INDEXER_PORT: String(idx),
    EMBEDDER_ADDR: `127.0.0.1:${emb}`,
    SEARCH_ADDR: `127.0.0.1:${sea}`,
    SEARCH_WRITER_ADDR: `127.0.0.1:${sea}`,
    CAPTIONER_ADDR: `127.0.0.1:${cap}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    MODELS_DIR: o.modelsDir,
    DATASET_DIR: path.join(REPO_ROOT, 'tools/datasets/sample'),
    SEARCH_SNAPSHOT_DIR: path.join(o.scratchDir, 'search'),
    QUEUE_PREFIX: o.queuePrefix,
  };
}
