import { Redis } from 'ioredis';
import type { Logger } from '@tit/kit';
import type { GenerationNotifier, SearchIndex } from './search-index';

/**
 * Commit notifications over Redis pub/sub: the writer publishes the new CURRENT text on a channel,
 * replicas subscribed to it re-read CURRENT at once. Best effort by design: a replica that misses
 * a message (Redis down, reconnecting) still converges through polling (ReplicaSync).
 */
export class RedisNotifier implements GenerationNotifier {
  private readonly pub: Redis;
  private sub: Redis | null = null;
  private lastError = '';

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly log: Logger,
  ) {
    // No offline queue: a publish while Redis is down fails at once instead of piling up.
    this.pub = this.client({ enableOfflineQueue: false });
  }

  private client(extra: { enableOfflineQueue?: boolean } = {}): Redis {
    const r = new Redis(this.url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 500, 5000),
      ...extra,
    });
    r.on('error', (err: Error) => {
      // ioredis retries by itself; log each distinct error once, not once per retry.
      if (err.message !== this.lastError) {
        this.lastError = err.message;
        this.log.warn({ err: err.message }, 'redis notification channel unavailable; replicas fall back to polling');
      }
    });
    r.on('ready', () => {
      this.lastError = '';
    });
    return r;
  }

  async publish(currentText: string): Promise<void> {
    await this.pub.publish(this.channel, currentText);
  }

  /** Calls `onMessage` for every notification until close(). */
  async subscribe(onMessage: () => void): Promise<void> {
    this.sub ??= this.client();
    this.sub.on('message', (channel: string) => {
      if (channel === this.channel) onMessage();
    });
    await this.sub.subscribe(this.channel);
  }

  async close(): Promise<void> {
    this.pub.disconnect();
    this.sub?.disconnect();
  }
}

/**
 * Keeps a replica on the generation CURRENT names: polls the CURRENT file every `intervalMs` (the
 * fallback that always works on a shared folder) and reacts at once to notifications. Overlapping
 * triggers collapse into one follow() at a time.
 */
export class ReplicaSync {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;

  constructor(
    private readonly index: SearchIndex,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly notifier: RedisNotifier | null,
  ) {}

  /** Starts polling and subscribes; never waits for Redis (which may be down: polling covers it). */
  start(): void {
    this.timer = setInterval(() => this.trigger(), this.intervalMs);
    this.timer.unref();
    // ioredis queues the SUBSCRIBE until it connects and re-subscribes after reconnects.
    this.notifier?.subscribe(() => this.trigger()).catch((err: unknown) => {
      this.log.warn({ err }, 'could not subscribe to commit notifications; polling only');
    });
  }

  /** Runs one follow() now, or once more after the running one. */
  trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.index
      .follow()
      .catch((err: unknown) => this.log.warn({ err }, 'replica sync failed; will retry'))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
