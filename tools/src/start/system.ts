import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { PROCESSES, isHealthy, spawnProcess, type ProcessName, type ProcessSpec } from './processes';

export interface SystemOptions {
  env: NodeJS.ProcessEnv;
  /** Which processes to run; all five by default. */
  only?: readonly ProcessName[];
  /** Where the children's raw output goes (a prefixed stream for the CLI, a buffer for tests). */
  onOutput?: (name: ProcessName, index: number, stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => void;
  /** Called when a child exits while the system is not stopping. */
  onUnexpectedExit?: (name: ProcessName, code: number | null, signal: NodeJS.Signals | null) => void;
}

interface Running {
  spec: ProcessSpec;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The whole system as native child processes: start, wait until healthy, stop gracefully. */
export class System {
  private readonly running: Running[] = [];
  private stopping = false;

  constructor(private readonly opts: SystemOptions) {}

  start(): void {
    const specs = PROCESSES.filter((p) => !this.opts.only || this.opts.only.includes(p.name));
    specs.forEach((spec, i) => this.running.push(this.launch(spec, i)));
  }

  private launch(spec: ProcessSpec, index: number): Running {
    const child = spawnProcess(spec, this.opts.env);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => {
        if (!this.stopping) this.opts.onUnexpectedExit?.(spec.name, code, signal);
        resolve({ code, signal });
      }),
    );
    const out = child.stdout ?? new PassThrough();
    const err = child.stderr ?? new PassThrough();
    this.opts.onOutput?.(spec.name, index, out, err);
    return { spec, child, exited };
  }

  private find(name: ProcessName): { r: Running; index: number } {
    const index = this.running.findIndex((r) => r.spec.name === name);
    const r = this.running[index];
    if (!r) throw new Error(`${name} is not part of this system`);
    return { r, index };
  }

  /**
   * Sends `signal` to one process (fault tests: SIGKILL is a crash, SIGTERM a rolling update) and
   * resolves with how it exited. The process stays down until {@link restart}.
   */
  async kill(name: ProcessName, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const { r } = this.find(name);
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
    return r.exited;
  }

  /**
   * Starts one process again with the same environment (after {@link kill}, a crash or its own
   * exit; a process still running is SIGKILLed first). Its output goes to `onOutput` again.
   * Resolves when the new process is healthy.
   */
  async restart(name: ProcessName, timeoutMs = 90_000): Promise<void> {
    await this.kill(name, 'SIGKILL');
    const { r, index } = this.find(name);
    const next = this.launch(r.spec, index);
    this.running[index] = next;
    const until = Date.now() + timeoutMs;
    while (!(await isHealthy(next.spec, this.opts.env))) {
      if (next.child.exitCode !== null || next.child.signalCode !== null) throw new Error(`${name} exited while restarting`);
      if (Date.now() > until) throw new Error(`${name} not healthy ${Math.round(timeoutMs / 1000)} s after a restart`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  /** Names of processes that are not healthy yet. */
  async unhealthy(): Promise<ProcessName[]> {
    const checks = await Promise.all(this.running.map(async (r) => ((await isHealthy(r.spec, this.opts.env)) ? null : r.spec.name)));
    return checks.filter((n): n is ProcessName => n !== null);
  }

  /** Resolves when every process is healthy; rejects with the stragglers' names after `timeoutMs`. */
  async waitHealthy(timeoutMs: number, onWait?: (pending: ProcessName[]) => void): Promise<void> {
    const until = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const pending = await this.unhealthy();
      if (pending.length === 0) return;
      if (this.stopping) throw new Error('stopped while starting');
      if (Date.now() > until) throw new Error(`not healthy after ${Math.round(timeoutMs / 1000)} s: ${pending.join(', ')}`);
      if (pending.join() !== last) onWait?.(pending);
      last = pending.join();
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  pid(name: ProcessName): number | undefined {
    return this.running.find((r) => r.spec.name === name)?.child.pid;
  }

  /** Sends SIGTERM to every process (gateway first, so no request meets a stopped backend) and waits. */
  async stop(graceMs = 12_000): Promise<Array<{ name: ProcessName; code: number | null; signal: NodeJS.Signals | null }>> {
    this.stopping = true;
    const order = [...this.running].reverse();
    for (const r of order) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const r of order) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }, graceMs);
    const results = await Promise.all(order.map(async (r) => ({ name: r.spec.name, ...(await r.exited) })));
    clearTimeout(timer);
    return results;
  }
}
