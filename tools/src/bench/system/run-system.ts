/**
 * Starts real service processes for a benchmark (the process table of `pnpm start` and the e2e
 * tests, tools/src/start/processes.ts): free loopback ports, warn-level logs kept in a ring per
 * process (shown if start-up fails), rate limits off, generous deadlines.
 *
 * Unlike `System`, the children stay in the benchmark's session. With Linux's scheduler autogroups
 * (on here), every session gets an equal share of a busy machine; `System` puts each child in its
 * own session (so Ctrl-C reaches only the runner), which on a shared machine hands a 4-process
 * system 4 shares against the in-process baseline's one and makes it look faster than it is.
 * In one session, the system and its baseline compete for the same share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '@tit/kit';
import { localSystemEnv } from '../../start/local-env';
import { isHealthy, nodeArgv, PROCESSES, type ProcessName, type ProcessSpec } from '../../start/processes';

/** The started processes: pids, health, stop (SIGTERM, then SIGKILL after a grace period). */
export class BenchProcesses {
  private readonly children: Array<{ spec: ProcessSpec; child: ChildProcess; exited: Promise<void> }> = [];
  private stopping = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly only: readonly ProcessName[],
    private readonly onLine: (name: ProcessName, line: string) => void,
  ) {}

  start(): void {
    for (const spec of PROCESSES.filter((p) => this.only.includes(p.name))) {
      const child = spawn(process.execPath, nodeArgv(spec), {
        cwd: REPO_ROOT,
        env: this.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const s of [child.stdout, child.stderr])
        readline.createInterface({ input: s }).on('line', (l) => this.onLine(spec.name, l));
      // A benchmark that dies abruptly takes its children along.
      const reap = (): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      process.once('exit', reap);
      const exited = new Promise<void>((resolve) =>
        child.once('exit', (code, signal) => {
          process.removeListener('exit', reap);
          if (!this.stopping) console.error(`bench: ${spec.name} exited (${code ?? signal}) while running`);
          resolve();
        }),
      );
      this.children.push({ spec, child, exited });
    }
  }

  pid(name: ProcessName): number | undefined {
    return this.children.find((c) => c.spec.name === name)?.child.pid;
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const pending = (
        await Promise.all(
          this.children.map(async (c) => ((await isHealthy(c.spec, this.env)) ? null : c.spec.name)),
        )
      ).filter(Boolean);
      if (pending.length === 0) return;
      if (Date.now() > until)
        throw new Error(`not healthy after ${Math.round(timeoutMs / 1000)} s: ${pending.join(', ')}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const alive = this.children.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
    // Gateway first (reverse start order), so no request meets a stopped backend.
    for (const c of [...alive].reverse()) c.child.kill('SIGTERM');
    const timer = setTimeout(
      () => alive.forEach((c) => c.child.exitCode === null && c.child.kill('SIGKILL')),
      graceMs,
    );
    await Promise.all(this.children.map((c) => c.exited));
    clearTimeout(timer);
  }
}

export interface BenchSystem {
  system: BenchProcesses;
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
  const env: NodeJS.ProcessEnv = {
    ...(await localSystemEnv({
      modelsDir: opts.modelsDir,
      scratchDir: scratch,
      queuePrefix: `tit-bench-${path.basename(scratch)}`,
    })),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    GATEWAY_HOST: '127.0.0.1',
    SEARCH_ANN_DIR: path.join(scratch, 'ann'),
    SEARCH_NOTIFY: 'false',
    RATE_LIMIT_MAX: '0',
    REQUEST_TIMEOUT_MS: '120000',
    SERVE_UI: 'false',
    SHUTDOWN_GRACE_MS: '3000',
    // Service settings from the caller's environment apply, to compare configurations.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(EMBEDDER|CAPTIONER|SEARCH|GATEWAY)_/.test(k) && !k.endsWith('_PORT') && !k.endsWith('_ADDR'))),
    ...opts.env,
  };
  const logs: Record<string, string[]> = {};
  const system = new BenchProcesses(env, opts.only, (name, line) => {
    const ring = (logs[name] ??= []);
    ring.push(line);
    if (ring.length > 20) ring.shift();
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
    gatewayUrl: `http://127.0.0.1:${env.GATEWAY_PORT}`,
    pids: () => opts.only.map((n) => system.pid(n)).filter((p): p is number => p !== undefined),
    stop,
  };
}
