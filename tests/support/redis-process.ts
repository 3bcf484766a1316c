/**
 * A private redis-server for fault tests that stop and restart Redis: its own free port and data
 * folder, never the shared Redis other tests use. Append-only file with fsync on every write, as a
 * job queue's Redis should run, so a restart (even after SIGKILL) keeps the queue.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './test-system';

/** Whether redis-server is on PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    // With requirepass PING answers -NOAUTH: the server is up all the same.
    s.on('data', (d) => done(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH')));
  });
}

export class RedisProcess {
  private child?: ChildProcess;
  private constructor(
    readonly port: number,
    readonly dir: string,
    /** requirepass, when set (the URL then carries it). */
    readonly password?: string,
  ) {}

  get url(): string {
    return `redis://${this.password ? `:${encodeURIComponent(this.password)}@` : ''}127.0.0.1:${this.port}`;
  }

  static async start(opts: { password?: string } = {}): Promise<RedisProcess> {
    const r = new RedisProcess(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'tit-redis-')), opts.password);
    await r.start();
    return r;
  }

  /** Starts (again) on the same port and folder; resolves when it answers PING. */
  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir],
        ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
        ...(this.password ? ['--requirepass', this.password] : []),
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    for (let i = 0; i < 100; i++) {
      if (await ping(this.port)) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server on port ${this.port} does not answer`);
  }

  /** Kills it (SIGKILL: a crash, nothing flushed beyond what fsync already wrote). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
