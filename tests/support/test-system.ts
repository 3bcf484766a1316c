/**
 * Starts the real processes for an end-to-end test: tiny fixture models, free ports, a private
 * snapshot folder, debug logs captured per process. Used by every test in tests/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '@tit/kit';
import { ensureFixtureModels } from '@tit/tools/src/fixtures';
import { freePort, localSystemEnv } from '@tit/tools/src/start/local-env';
import { System } from '@tit/tools/src/start/system';
import type { ProcessName } from '@tit/tools/src/start/processes';

export { freePort };

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
  const env: NodeJS.ProcessEnv = {
    // A queue prefix per test run keeps parallel runs on one Redis apart.
    ...(await localSystemEnv({
      modelsDir: await fixtureModelsDir(),
      scratchDir: dataDir,
      queuePrefix: `tit-e2e-${path.basename(dataDir)}`,
    })),
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
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
      .map(
        ([n, l]) =>
          `${n}: ${l
            .slice(-5)
            .map((x) => JSON.stringify(x))
            .join('\n  ')}`,
      )
      .join('\n');
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return {
    system,
    env,
    logs,
    dataDir,
    gatewayUrl: `http://127.0.0.1:${env.GATEWAY_PORT}`,
    stop: async () => {
      const r = await system.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      return r;
    },
  };
}
