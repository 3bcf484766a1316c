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
 * Merges concurrent submissions into batches of at most `maxBatch` items and `maxBatchTokens`
 * padded tokens; `plan` may split a batch into several model runs. The model runs one call at a
 * time (a run uses every core through ONNX Runtime's intra-op threads, so two concurrent runs
 * would only fight over them); `maxInFlight` batches may be handed to it at once when it queues
 * them itself.
 *
 * When to run: items that arrive while the model is busy simply wait, which is the natural
 * batching window under load. When a batch may start, the pending items start at once if they
 * fill a batch, or if there are as many as the previous batch had (the recent concurrency: under
 * a steady load of N callers the next N arrive within a moment of each other, and starting with
 * the first one alone would split them into a run of 1 and a run of N-1). A lone caller therefore
 * never waits (its previous batch had one item), and no item waits more than `maxWaitMs` for
 * batch-mates. A batch that is full starts immediately: an item never waits behind a batch it
 * does not fit; it starts the next one. Items are batched in arrival order; a submission larger
 * than a batch spans several batches.
 */
export class DynamicBatcher<T, R> {
  private pending: Entry<T, R>[] = [];
  private inFlight = 0;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private lastBatchSize = 1;
  private readonly flights = new Set<Promise<void>>();
  private readonly counters: BatcherStats = { batches: 0, items: 0, paddedTokens: 0, realTokens: 0, rejected: 0 };

  /**
   * @param run runs one model run and returns one result per item, in order
   * @param plan splits a batch (given its items' costs) into model runs, as groups of indices that
   *   together hold each index once; runs go in the order given and each run's callers get their
   *   results as soon as it ends, so they can send their next request while the rest of the batch
   *   runs (no idle gap between batches under a steady closed-loop load). Default: one run.
   * @param maxInFlight batches handed to `run` at once. 1 unless `run` queues its calls and runs
   *   them one at a time itself (a model in a worker thread): then 2 lets the next batch wait in
   *   that queue, so the model starts it the moment the current one ends instead of after a
   *   round trip to this thread. All runs of a batch are handed over at once either way.
   */
  constructor(
    private readonly limits: BatcherLimits,
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly plan: (costs: readonly number[]) => number[][] = (costs) => [costs.map((_, i) => i)],
    private readonly maxInFlight = 1,
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

  /** Refuses new work, fails queued items with UnavailableError, and waits for the running batches. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimers();
    const err = new UnavailableError('the embedder is shutting down');
    for (const e of this.pending) e.job.reject(err);
    this.pending = [];
    await Promise.all(this.flights);
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
    if (this.inFlight >= this.maxInFlight || this.closed || this.pending.length === 0) return;
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
    if (this.inFlight >= this.maxInFlight || this.closed || this.pending.length === 0) return;
    const { count } = this.scan();
    const batch = this.pending.splice(0, count);
    this.inFlight++;
    this.lastBatchSize = count;
    const longest = batch.reduce((m, e) => Math.max(m, e.cost), 0);
    this.counters.batches++;
    this.counters.items += count;
    this.counters.paddedTokens += longest * count;
    this.counters.realTokens += batch.reduce((s, e) => s + e.cost, 0);
    const flight = (async () => {
      let groups: Entry<T, R>[][];
      try {
        groups = this.plan(batch.map((e) => e.cost)).map((g) => g.map((i) => batch[i]));
        const planned = groups.reduce((n, g) => n + g.length, 0);
        if (planned !== batch.length) throw new Error(`the run plan covers ${planned} of ${batch.length} items`);
      } catch (caught) {
        this.fail(batch, caught);
        groups = [];
      }
      // Every run is handed over at once; results are taken in order as each run ends.
      const runs = groups.map((group) => this.run(group.map((e) => e.item)));
      for (const r of runs) r.catch(() => undefined); // a failure is handled in the loop below
      for (const [g, group] of groups.entries()) {
        try {
          const results = await runs[g];
          if (results.length !== group.length) throw new Error(`a run of ${group.length} gave ${results.length} results`);
          group.forEach((e, i) => {
            if (e.job.done) return;
            e.job.results[e.index] = results[i];
            if (--e.job.remaining === 0) e.job.resolve(e.job.results);
          });
        } catch (caught) {
          // The failed run's jobs and every job with items in later runs fail together.
          this.fail(groups.slice(g).flat(), caught);
          await Promise.allSettled(runs.slice(g + 1));
          break;
        }
      }
      this.inFlight--;
      this.schedule();
    })();
    this.flights.add(flight);
    void flight.finally(() => this.flights.delete(flight));
  }

  /** Rejects the jobs of `entries` with `caught` and drops their other queued items. */
  private fail(entries: readonly Entry<T, R>[], caught: unknown): void {
    const err = caught instanceof Error ? caught : new Error(String(caught));
    for (const e of entries) {
      if (!e.job.done) this.pending = this.pending.filter((p) => p.job !== e.job);
      e.job.reject(err);
    }
  }
}

function reasonOf(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  const why = r instanceof Error ? r.message : typeof r === 'string' ? r : 'aborted';
  return `request ended before its texts were embedded: ${why}`;
}
