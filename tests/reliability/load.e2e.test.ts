/**
 * A bounded load run against the REAL processes on loopback: 32 closed-loop clients mixing text
 * searches and image searches (each image unique, so the captioner's cache does not answer). Checks:
 * no 5xx other than documented shedding (503/429 with Retry-After), p99 under a stated bound, and
 * resident memory of each service flat over the run (peak of the second half within 10 % or 64 MiB of the first's).
 *
 * It runs in `pnpm test` (so in CI); `pnpm test:load` runs it alone.
 */
import fs from 'node:fs';
import http from 'node:http';
import { startTestSystem, type TestSystem } from '../support/test-system';
import { imagePart, postForm, postJson, waitReady } from '../support/http-client';
import { quantile, startLoad, tally, type Sample } from '../support/load-driver';
import { saltedPhoto } from '../support/bad-images';
import { ReliabilityDoc } from '../support/reliability-doc';

/**
 * Load before measuring. The processes' resident memory climbs for the first 30–50 s of load (V8's
 * heaps and the allocator's arenas sizing up to it; the gateway went 173 → 253 MiB in steps in one
 * CI run whose measurement began after 10 s), so a shorter warm-up measures that climb, not a leak.
 */
const WARMUP_MS = 30_000;
const MEASURE_MS = 60_000;
const CONCURRENCY = 32;
/**
 * Stated bounds on the 99th percentile of answered requests, per kind (loopback, 2 shared cores,
 * tiny models): text searches must stay fast while image searches queue at the captioner.
 */
const P99_BOUND_MS = { text: 3000, image: 10_000 } as const;
/**
 * Growth of resident memory: the highest RSS of the second half of the run against the highest of
 * the first (30 s each). A collected heap is a sawtooth (it rises between full collections, every
 * 20 to 100 s here, by up to 25 %), so the means of windows shorter than a tooth measure where in a
 * tooth they fall: means of the last two quarters once gave the gateway +12.5 % with flat peaks
 * (249, 249, 252 MB) because the third quarter fell in a trough. Peaks follow the saw's upper edge,
 * which a leak raises: a request context held by an armed deadline timer (fixed in the kit) gave the
 * embedder +7 to +11 % between quarter means here, and grows the peaks at least as much.
 */
const RSS_GROWTH_LIMIT = 0.1;
/**
 * Growth always allowed, whatever the process's size: one tooth of the saw. V8 raises a heap's
 * limit after each full collection, so a later tooth can be taller than an earlier one, and a tooth
 * that rises across the middle of the run puts its top in the second half. CI runs here: search
 * 139 → 157 MiB, a collection, then 153 → 179 MiB by the end (+13.6 % peak to peak); the embedder
 * flat at 272 MiB, then 272 → 322 over 35 s and back to 286 after a collection (+11.1 %); the
 * gateway 208 → 257 MiB in steps with collections between. The leak named above grew by hundreds of MB.
 */
const RSS_GROWTH_FLOOR = 64 * 1024 * 1024;
const LIMIT_TEXT = `under ${Math.round(RSS_GROWTH_LIMIT * 100)} % (or 64 MiB)`;
const SERVICES = ['gateway', 'embedder', 'captioner', 'search'] as const;

jest.setTimeout(MEASURE_MS + WARMUP_MS + 120_000);

const doc = new ReliabilityDoc(
  'load',
  `${CONCURRENCY} closed-loop clients on loopback for ${MEASURE_MS / 1000} s after a ${WARMUP_MS / 1000} s warm-up, ` +
    'three text searches (distinct queries) to one image search (distinct bytes: no caption cache hits); ' +
    'all five processes on tiny fixture models, rate limiting off. Resident memory (VmRSS) of each service is sampled every 500 ms; ' +
    '"growth" compares the highest RSS of the second half of the run with the highest of the first half: V8 hands memory back after ' +
    'a major collection and grows again (a saw with a period of tens of seconds), so means over shorter windows swing with its phase; a leak raises the peaks. ' +
    'Allowed: 10 % or 64 MiB, whichever is more (one tooth: V8 raises the heap limit after each full collection, so a later tooth may be taller).',
);

let sys: TestSystem;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
let samples: Sample[] = [];
const rss: Record<string, Array<{ t: number; bytes: number }>> = {};

function rssOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  sys = await startTestSystem({ env: { RATE_LIMIT_MAX: '0', LOG_LEVEL: 'info' } });
  await waitReady(sys.gatewayUrl);
}, 180_000);

afterAll(async () => {
  agent.destroy();
  await sys?.stop();
  doc.writeArtifact({ rss, summary: tally(samples) });
});

const QUERIES = ['a dog runs on the beach', 'a cat with yellow eyes', 'a rocket on the launch pad', 'coffee in a white cup', 'a horse in a field', 'grass seen from above'];

it(`serves ${CONCURRENCY} concurrent clients for ${MEASURE_MS / 1000} s`, async () => {
  const url = sys.gatewayUrl;
  const run = startLoad({
    concurrency: CONCURRENCY,
    maxMs: WARMUP_MS + MEASURE_MS,
    send: (id, w, n) =>
      (w + n) % 4 === 0
        ? {
            kind: 'image',
            response: postForm(`${url}/v1/search/image`, [imagePart(saltedPhoto(id, n % 2 ? 'horse.jpg' : 'coffee.jpg'))], { agent, timeoutMs: 60_000 }),
          }
        : { kind: 'text', response: postJson(`${url}/v1/search/text`, { query: `${QUERIES[(w + n) % QUERIES.length]} ${n}` }, { agent, timeoutMs: 60_000 }) },
  });
  const timer = setInterval(() => {
    const t = run.now();
    if (t < WARMUP_MS) return;
    for (const s of SERVICES) {
      const bytes = rssOf(sys.system.pid(s));
      if (bytes !== undefined) (rss[s] ??= []).push({ t: t - WARMUP_MS, bytes });
    }
  }, 500);
  try {
    await new Promise((r) => setTimeout(r, WARMUP_MS + MEASURE_MS));
    samples = (await run.stop()).filter((s) => s.start >= WARMUP_MS);
  } finally {
    clearInterval(timer);
  }
  expect(samples.length).toBeGreaterThan(CONCURRENCY);
});

it('answers with no 5xx other than documented shedding (429/503 with Retry-After), and no transport errors', () => {
  const shed = (s: Sample) => s.outcome === '503 unavailable, Retry-After' || s.outcome === '429 overloaded, Retry-After';
  const bad = samples.filter((s) => s.outcome !== '200' && !shed(s));
  const observed = bad.length === 0 ? 'every answer 200 or 429/503 with Retry-After' : `unexpected: ${tally(bad)}`;
  const expected = 'every answer 200 or 429/503 with Retry-After';
  const byKind = ['text', 'image'].map((k) => `${k}: ${tally(samples.filter((s) => s.kind === k))}`).join('; ');
  const rps = samples.length / (MEASURE_MS / 1000);
  doc.record({ target: 'gateway (text + image searches)', case: `${CONCURRENCY} clients, ${MEASURE_MS / 1000} s`, expected, observed, measured: `${byKind}; ${rps.toFixed(1)} req/s` });
  expect(observed).toBe(expected);
});

it(`keeps p99 within ${P99_BOUND_MS.text} ms for text and ${P99_BOUND_MS.image} ms for image searches`, () => {
  const latencies = (kind?: string) => samples.filter((s) => s.status !== undefined && (!kind || s.kind === kind)).map((s) => s.end - s.start);
  const p = (xs: number[], q: number) => Math.round(quantile(xs, q));
  const parts = (['text', 'image'] as const).map((k) => {
    const p99 = quantile(latencies(k), 0.99);
    return p99 <= P99_BOUND_MS[k] ? `${k} p99 ≤ ${P99_BOUND_MS[k]} ms` : `${k} p99 ${Math.round(p99)} ms`;
  });
  const observed = parts.join('; ');
  const expected = `text p99 ≤ ${P99_BOUND_MS.text} ms; image p99 ≤ ${P99_BOUND_MS.image} ms`;
  const all = latencies();
  const kinds = (['text', 'image'] as const).map((k) => `${k} p50 ${p(latencies(k), 0.5)} / p99 ${p(latencies(k), 0.99)} ms`).join('; ');
  doc.record({ target: 'gateway (text + image searches)', case: 'latency', expected, observed, measured: `all p50 ${p(all, 0.5)} / p90 ${p(all, 0.9)} / p99 ${p(all, 0.99)} ms; ${kinds}` });
  expect(observed).toBe(expected);
});

it(`keeps the resident memory of every service flat (peak of the second half ${LIMIT_TEXT} above the first's)`, () => {
  const peak = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
  const growth: Record<string, number> = {};
  const allowed: Record<string, number> = {};
  for (const s of SERVICES) {
    const points = rss[s] ?? [];
    const half = MEASURE_MS / 2;
    const mid = peak(points.filter((p) => p.t < half).map((p) => p.bytes));
    const end = peak(points.filter((p) => p.t >= half).map((p) => p.bytes));
    growth[s] = mid > 0 && end > 0 ? end / mid - 1 : NaN;
    allowed[s] = mid > 0 ? Math.max(RSS_GROWTH_LIMIT, RSS_GROWTH_FLOOR / mid) : NaN;
  }
  const over = SERVICES.filter((s) => !(growth[s] < allowed[s]));
  const observed =
    over.length === 0 ? `${LIMIT_TEXT} for gateway, embedder, captioner, search` : `over the limit (or not measured): ${over.join(', ')}`;
  const expected = `${LIMIT_TEXT} for gateway, embedder, captioner, search`;
  const measured = SERVICES.map((s) => {
    const last = rss[s]?.[rss[s].length - 1]?.bytes ?? 0;
    return `${s} ${(growth[s] * 100).toFixed(1)} % (${Math.round(last / 1048576)} MB)`;
  }).join('; ');
  doc.record({ target: 'gateway, embedder, captioner, search', case: 'resident memory, peak of the second half vs the first', expected, observed, measured });
  expect(observed).toBe(expected);
});

it('docs/reliability.md matches what this run observed', () => {
  expect(doc.check()).toBeUndefined();
});
