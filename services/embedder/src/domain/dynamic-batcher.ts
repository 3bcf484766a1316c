import { DeadlineError, OverloadedError, UnavailableError } from '@tit/kit';

/** Limits of one batcher. */
export interface BatcherLimits {
  /** Most items in one model run. */
  readonly maxBatch: number;
  /** Most padded tokens in one model run (items x longest item); one item alone may exceed it. */
  readonly maxBatchTokens: number;
  /** Longest an item waits for batch-mates while the model is idle. */
  readonly maxWaitMs: number;
  /** Most items waiting for a run; a submit past it fails with OverloadedError. */
  readonly queueLimit: number;
}

/** Counters for benchmarks and logs. */
export interface BatcherStats {
  batches: number;
  items: number;
  paddedTokens: number;
  realTokens: number;
  rejected: number;
}

interface Job<R> {
  results: R[];
  remaining: number;
  done: boolean;
  resolve(results: R[]): void;
  reject(err: Error): void;
}

interface Entry<T, R> {
  readonly item: T;
  readonly cost: number;
  readonly index: number;
  readonly job: Job<R>;
  readonly at: number;
}

/**
 * Merges concurrent submissions into model runs of at most `maxBatch` items and `maxBatchTokens`
 * padded tokens, one run at a time (the run itself uses every core through ONNX Runtime's
 * intra-op threads, so two concurrent runs would only fight over them).
 *
 * When to run: items that arrive while a run is in progress simply wait for it to end, which is
 * the natural batching window under load. When the model is idle, the pending items run at once
 * if they fill a batch, or if there are as many as the previous batch had (the recent
 * concurrency: under a steady load of N callers the next N arrive within a moment of each other,
 * and starting with the first one alone would split them into a run of 1 and a run of N-1). A lone
 * caller therefore never waits (its previous batch had one item), and no item waits more than
 * `maxWaitMs` for batch-mates. A batch that is full runs immediately: an item never waits behind a
 * batch it does not fit; it starts the next one. Items run in arrival order; a submission larger
 * than a batch spans several runs.
 */
export class DynamicBatcher<T, R> {
  private pending: Entry<T, R>[] = [];
  private running = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private lastBatchSize = 1;
  private idle: Promise<void> = Promise.resolve();
  private readonly counters: BatcherStats = { batches: 0, items: 0, paddedTokens: 0, realTokens: 0, rejected: 0 };

  /**
   * @param run runs one batch and returns one result per item, in order
   */
  constructor(
    private readonly limits: BatcherLimits,
    private readonly run: (items: T[]) => Promise<R[]>,
  ) {}

  /** Items waiting for a run. */
  get queued(): number {
    return this.pending.length;
  }

  stats(): Readonly<BatcherStats> {
    return { ...this.counters };
  }

  /**
   * Queues `items` (with their costs in tokens) and resolves to their results in order.
   * Throws OverloadedError when the queue cannot take them all, DeadlineError when `signal` aborts
   * first, UnavailableError after `close`.
   */
  submit(items: readonly T[], costs: readonly number[], signal?: AbortSignal): Promise<R[]> {
    if (this.closed) return Promise.reject(new UnavailableError('the embedder is shutting down'));
    if (items.length === 0) return Promise.resolve([]);
    if (signal?.aborted) return Promise.reject(new DeadlineError(reasonOf(signal)));
    if (this.pending.length + items.length > this.limits.queueLimit) {
      this.counters.rejected++;
      return Promise.reject(
        new OverloadedError(
          `embedder queue is full: ${this.pending.length} texts waiting, ${items.length} more would pass ` +
            `the queue limit of ${this.limits.queueLimit} (EMBEDDER_QUEUE_LIMIT); retry later`,
        ),
      );
    }
    return new Promise<R[]>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending = this.pending.filter((e) => e.job !== job);
        settle(() => reject(new DeadlineError(reasonOf(signal))));
      };
      const settle = (fn: () => void): void => {
        if (job.done) return;
        job.done = true;
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const job: Job<R> = {
        results: new Array<R>(items.length),
        remaining: items.length,
        done: false,
        resolve: (r) => settle(() => resolve(r)),
        reject: (e) => settle(() => reject(e)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const at = performance.now();
      items.forEach((item, index) => this.pending.push({ item, cost: costs[index], index, job, at }));
      this.schedule();
    });
  }

  /** Refuses new work, fails queued items with UnavailableError, and waits for the running batch. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimers();
    const err = new UnavailableError('the embedder is shutting down');
    for (const e of this.pending) e.job.reject(err);
    this.pending = [];
    await this.idle;
  }

  /** How many head items form the next batch, and whether that batch is full. */
  private scan(): { count: number; full: boolean } {
    const { maxBatch, maxBatchTokens } = this.limits;
    let count = 0;
    let longest = 0;
    for (const e of this.pending) {
      const l = Math.max(longest, e.cost);
      if (count > 0 && (count + 1) * l > maxBatchTokens) return { count, full: true };
      count++;
      longest = l;
      if (count === maxBatch) return { count, full: true };
    }
    return { count, full: false };
  }

  private schedule(): void {
    if (this.running || this.closed || this.pending.length === 0) return;
    const { full } = this.scan();
    const expected = Math.min(this.limits.maxBatch, this.lastBatchSize);
    const waitLeft = this.pending[0].at + this.limits.maxWaitMs - performance.now();
    if (full || this.pending.length >= expected || waitLeft <= 0) {
      // setImmediate, not a direct call: requests that grpc-js delivers in the same I/O turn join.
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate ??= setImmediate(() => this.dispatch());
    } else if (!this.timer && !this.immediate) {
      this.timer = setTimeout(() => this.dispatch(), waitLeft);
    }
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private dispatch(): void {
    this.clearTimers();
    if (this.running || this.closed || this.pending.length === 0) return;
    const { count } = this.scan();
    const batch = this.pending.splice(0, count);
    this.running = true;
    this.lastBatchSize = count;
    const longest = batch.reduce((m, e) => Math.max(m, e.cost), 0);
    this.counters.batches++;
    this.counters.items += count;
    this.counters.paddedTokens += longest * count;
    this.counters.realTokens += batch.reduce((s, e) => s + e.cost, 0);
    this.idle = (async () => {
      try {
        const results = await this.run(batch.map((e) => e.item));
        if (results.length !== batch.length) throw new Error(`batch of ${batch.length} gave ${results.length} results`);
        batch.forEach((e, i) => {
          if (e.job.done) return;
          e.job.results[e.index] = results[i];
          if (--e.job.remaining === 0) e.job.resolve(e.job.results);
        });
      } catch (caught) {
        const err = caught instanceof Error ? caught : new Error(String(caught));
        for (const e of batch) {
          if (!e.job.done) this.pending = this.pending.filter((p) => p.job !== e.job);
          e.job.reject(err);
        }
      } finally {
        this.running = false;
        this.schedule();
      }
    })();
  }
}

function reasonOf(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  const why = r instanceof Error ? r.message : typeof r === 'string' ? r : 'aborted';
  return `request ended before its texts were embedded: ${why}`;
}
