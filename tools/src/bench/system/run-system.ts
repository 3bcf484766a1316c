/**
 * Starts real service processes for a benchmark (the same `System` as `pnpm start` and the e2e
 * tests): free loopback ports, warn-level logs kept in a ring per process (shown if start-up fails),
 * rate limits off, generous deadlines.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '@tit/kit';
import { System } from '../../start/system';
import type { ProcessName } from '../../start/processes';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

export interface BenchSystem {
  system: System;
  env: NodeJS.ProcessEnv;
  gatewayUrl: string;
  /** Last log lines per process. */
  logs: Record<string, string[]>;
  pids(): number[];
  stop(): Promise<void>;
}

/**
 * Starts `only` with `env` layered over the bench defaults. `SEARCH_SNAPSHOT_DIR` should name a
 * folder with a committed generation when search is started (see dataset.ts).
 */
export async function startBenchSystem(opts: {
  only: readonly ProcessName[];
  modelsDir: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<BenchSystem> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-bench-'));
  const [gw, emb, sea, cap, idx] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    GRPC_HOST: '127.0.0.1',
    GATEWAY_HOST: '127.0.0.1',
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
    MODELS_DIR: opts.modelsDir,
    DATASET_DIR: path.join(REPO_ROOT, 'tools/datasets/sample'),
    SEARCH_SNAPSHOT_DIR: path.join(scratch, 'search'),
    SEARCH_ANN_DIR: path.join(scratch, 'ann'),
    SEARCH_NOTIFY: 'false',
    QUEUE_PREFIX: `tit-bench-${path.basename(scratch)}`,
    RATE_LIMIT_MAX: '0',
    REQUEST_TIMEOUT_MS: '120000',
    SERVE_UI: 'false',
    SHUTDOWN_GRACE_MS: '3000',
    ...opts.env,
  };
  const logs: Record<string, string[]> = {};
  const system = new System({
    env,
    only: opts.only,
    onOutput: (name, _i, out, err) => {
      const ring: string[] = (logs[name] = []);
      for (const s of [out, err]) {
        readline.createInterface({ input: s }).on('line', (line) => {
          ring.push(line);
          if (ring.length > 20) ring.shift();
        });
      }
    },
    onUnexpectedExit: (name, code, signal) => console.error(`bench: ${name} exited (${code ?? signal}) while running`),
  });
  system.start();
  const stop = async (): Promise<void> => {
    await system.stop(8000);
    fs.rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await system.waitHealthy(opts.timeoutMs ?? 180_000);
  } catch (err) {
    await stop();
    const tail = Object.entries(logs).map(([n, l]) => `${n}:\n  ${l.slice(-6).join('\n  ')}`);
    throw new Error(`${(err as Error).message}\n${tail.join('\n')}`);
  }
  return {
    system,
    env,
    logs,
    gatewayUrl: `http://127.0.0.1:${gw}`,
    pids: () => opts.only.map((n) => system.pid(n)).filter((p): p is number => p !== undefined),
    stop,
  };
}
