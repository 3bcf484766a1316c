/**
 * Load generation for the system benchmarks: autocannon against the gateway (HTTP on loopback,
 * keep-alive connections, a bounded duration) and the same closed-loop shape in-process (N workers,
 * each starting its next operation when the previous one finished), so the two are comparable.
 */
import autocannon from 'autocannon';
import { percentile } from '../stats';

/** Throughput and latency of one bounded run. */
export interface LoadResult {
  concurrency: number;
  seconds: number;
  completed: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * POSTs JSON bodies (cycled, one per request) to `url` with `connections` concurrent keep-alive
 * connections for `seconds`. Non-2xx answers and socket errors count as errors.
 */
export async function httpLoad(opts: { url: string; connections: number; seconds: number; bodies: readonly string[] }): Promise<LoadResult> {
  let next = 0;
  const res = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    timeout: 120,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: opts.bodies[next++ % opts.bodies.length] }),
      },
    ],
  });
  const completed = res['2xx'];
  return {
    concurrency: opts.connections,
    seconds: res.duration,
    completed,
    errors: res.errors + res.non2xx,
    perSecond: completed / res.duration,
    p50Ms: res.latency.p50,
    p99Ms: res.latency.p99,
  };
}

/** Runs `op` in `concurrency` closed loops for `seconds`; `op(i)` gets a global sequence number. */
export async function closedLoop(opts: { concurrency: number; seconds: number; op: (i: number) => Promise<unknown> }): Promise<LoadResult> {
  const latencies: number[] = [];
  let seq = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + opts.seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const t = performance.now();
      try {
        await opts.op(seq++);
        latencies.push(performance.now() - t);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    concurrency: opts.concurrency,
    seconds,
    completed: latencies.length,
    errors,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
