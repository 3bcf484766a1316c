/**
 * Starts the real processes for an end-to-end test: tiny fixture models, free ports, a private
 * snapshot folder, debug logs captured per process. Used by every test in tests/.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '@tit/kit';
import { ensureFixtureModels } from '@tit/tools/src/fixtures';
import { System } from '@tit/tools/src/start/system';
import type { ProcessName } from '@tit/tools/src/start/processes';

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

/** Tiny fixture models shared by every e2e test of a run (built once, reused). */
export async function fixtureModelsDir(): Promise<string> {
  const dir = path.join(REPO_ROOT, '.models/fixtures-tiny');
  await ensureFixtureModels(dir, 'tiny');
  return dir;
}

export interface TestSystem {
  system: System;
  env: NodeJS.ProcessEnv;
  /** Parsed JSON log lines per process. */
  logs: Record<string, Array<Record<string, unknown>>>;
  gatewayUrl: string;
  dataDir: string;
  stop(): Promise<Array<{ name: ProcessName; code: number | null; signal: NodeJS.Signals | null }>>;
}

export async function startTestSystem(
  opts: { only?: readonly ProcessName[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<TestSystem> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-e2e-'));
  const [gw, emb, sea, cap, idx] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
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
    MODELS_DIR: await fixtureModelsDir(),
    DATASET_DIR: path.join(REPO_ROOT, 'tools/datasets/sample'),
    SEARCH_SNAPSHOT_DIR: path.join(dataDir, 'search'),
    // A queue prefix per test run keeps parallel runs on one Redis apart.
    QUEUE_PREFIX: `tit-e2e-${path.basename(dataDir)}`,
    SHUTDOWN_GRACE_MS: '5000',
    ...opts.env,
  };
  const logs: TestSystem['logs'] = {};
  const system = new System({
    env,
    only: opts.only,
    onOutput: (name, _i, out, err) => {
      // A restarted process (System.restart) appends to the lines of its predecessor.
      const list: Array<Record<string, unknown>> = logs[name] ?? [];
      logs[name] = list;
      for (const s of [out, err]) {
        readline.createInterface({ input: s }).on('line', (line) => {
          try {
            list.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            list.push({ raw: line });
          }
        });
      }
    },
  });
  system.start();
  try {
    await system.waitHealthy(opts.timeoutMs ?? 90_000);
  } catch (err) {
    await system.stop();
    const tail = Object.entries(logs)
      .map(([n, l]) => `${n}: ${l.slice(-5).map((x) => JSON.stringify(x)).join('\n  ')}`)
      .join('\n');
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return {
    system,
    env,
    logs,
    dataDir,
    gatewayUrl: `http://127.0.0.1:${gw}`,
    stop: async () => {
      const r = await system.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      return r;
    },
  };
}
