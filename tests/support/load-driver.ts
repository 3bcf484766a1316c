/**
 * A bounded closed-loop load driver for loopback tests: `concurrency` workers each send one request
 * after another until the run is stopped or its time is up. Every request is kept (start, end,
 * outcome) so a test can judge each answer, e.g. against the moment a process was killed.
 */
import type { HttpResponse } from './http-client';
import { outcomeOf } from './http-client';

export interface Sample {
  /** Request id sent as x-request-id. */
  id: string;
  /** ms since the run started. */
  start: number;
  end: number;
  /** `200`, `503 unavailable, Retry-After`, ... or `transport: <message>`. */
  outcome: string;
  status?: number;
  kind: string;
}

export interface LoadRun {
  /** Stops the workers after their current request; resolves with every sample. */
  stop(): Promise<Sample[]>;
  /** Samples so far. */
  readonly samples: readonly Sample[];
  /** ms since the run started. */
  now(): number;
}

export interface LoadOptions {
  concurrency: number;
  /** Hard bound on the run (it stops by itself). */
  maxMs: number;
  /** The request of worker `w`'s `n`-th iteration; returns its kind (for mixed loads) and response. */
  send: (id: string, w: number, n: number) => { kind: string; response: Promise<HttpResponse> };
  idPrefix?: string;
}

export function startLoad(opts: LoadOptions): LoadRun {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const samples: Sample[] = [];
  let stopped = false;
  const prefix = opts.idPrefix ?? `load-${process.pid}-${Date.now().toString(36)}`;
  const worker = async (w: number): Promise<void> => {
    for (let n = 0; !stopped && now() < opts.maxMs; n++) {
      const id = `${prefix}-${w}-${n}`;
      const start = now();
      const { kind, response } = opts.send(id, w, n);
      try {
        const res = await response;
        samples.push({ id, start, end: now(), outcome: outcomeOf(res), status: res.status, kind });
      } catch (err) {
        samples.push({ id, start, end: now(), outcome: `transport: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, kind });
        // A refused connection returns at once; do not spin on it.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const done = Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  return {
    samples,
    now,
    stop: async () => {
      stopped = true;
      await done;
      return samples;
    },
  };
}

/** The q-quantile (0..1) of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Distinct outcomes with their counts, most frequent first: `200 ×812, 503 unavailable, Retry-After ×9`. */
export function tally(samples: readonly Sample[]): string {
  const m = new Map<string, number>();
  for (const s of samples) m.set(s.outcome, (m.get(s.outcome) ?? 0) + 1);
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([o, n]) => `${o} ×${n}`)
    .join(', ');
}
