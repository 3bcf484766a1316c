/**
 * One service process started from source the way `pnpm start` and the images start it
 * (`node [its node flags] --import tsx <entry>`), with its JSON log lines kept for assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT, checkHealth } from '@tit/kit';
import { nodeArgv, PROCESSES } from '@tit/tools/src/start/processes';

export class ServiceProcess {
  readonly logs: Array<Record<string, unknown>> = [];
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
  ) {
    const spec = PROCESSES.find((p) => p.entry === entry);
    this.child = spawn(process.execPath, spec ? nodeArgv(spec) : ['--import', 'tsx', path.join(REPO_ROOT, entry)], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [this.child.stdout, this.child.stderr])
      if (s)
        readline.createInterface({ input: s }).on('line', (line) => {
          try {
            this.logs.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            this.logs.push({ raw: line });
          }
        });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when grpc.health.v1 at `target` says SERVING; rejects with the last log lines after `timeoutMs`. */
  async waitServing(target: string, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.running) break;
      if ((await checkHealth(target, '', 1000)) === 'SERVING') return;
      await new Promise((r) => setTimeout(r, 200));
    }
    const tail = this.logs
      .slice(-8)
      .map((l) => JSON.stringify(l))
      .join('\n');
    throw new Error(
      `${this.name} not SERVING at ${target} within ${timeoutMs} ms (running: ${this.running})\n${tail}`,
    );
  }

  /** Sends `signal` and waits for the exit. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}
