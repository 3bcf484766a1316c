import { setTimeout as sleep } from 'node:timers/promises';
import { checkHealth, createHealthClient, type Logger } from '@tit/kit';
import type { Dependency, HealthPort } from '../domain/ports';

/**
 * Waits for dependencies to report SERVING over grpc.health.v1. Polls every `pollMs`; logs once
 * when it starts waiting and once when the dependency is back, so a long model load is visible
 * without flooding the log.
 */
export class HealthWaiter implements HealthPort {
  private readonly clients = new Map<Dependency, ReturnType<typeof createHealthClient>>();

  constructor(
    private readonly targets: Record<Dependency, string>,
    private readonly log: Logger,
    private readonly pollMs = 1000,
  ) {}

  private client(dep: Dependency): ReturnType<typeof createHealthClient> {
    let c = this.clients.get(dep);
    if (!c) {
      c = createHealthClient(this.targets[dep]);
      this.clients.set(dep, c);
    }
    return c;
  }

  async waitUntilServing(dep: Dependency, signal?: AbortSignal): Promise<void> {
    let since: number | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const status = await checkHealth(this.client(dep), '', Math.max(500, this.pollMs));
      if (status === 'SERVING') {
        if (since !== undefined) this.log.info({ dep, waitedMs: Date.now() - since }, 'dependency is serving again');
        return;
      }
      if (since === undefined) {
        since = Date.now();
        this.log.warn({ dep, target: this.targets[dep], status }, 'waiting for dependency to be SERVING');
      }
      await sleep(this.pollMs, undefined, signal ? { signal } : undefined);
    }
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
