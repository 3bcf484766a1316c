/**
 * Cost growth of the search service with the collection: at 10k, 100k, 1M and (memory allowing)
 * 4M caption vectors of 384 dimensions (all-MiniLM-L6-v2's size):
 *
 * - indexing: the service's write path (begin → upsert in messages of 512 → commit: compaction,
 *   BM25, snapshot write + fsync), in a child process per shard; then the approximate (HNSW) index
 *   build a served generation gets past SEARCH_ANN_THRESHOLD;
 * - memory: resident memory of a fresh process that restored the snapshot (what a search replica
 *   holds), before and after the approximate index;
 * - query latency: dense top-10 p50/p99 with exact search and with the approximate index, and the
 *   approximate index's recall@10 of exact search's images.
 *
 * One generation holds at most 4 GiB of vectors (a WebAssembly memory; SEARCH_MAX_VECTORS defaults
 * to 2M): 4M vectors are served as 2 shards of 2M, as two search pods would hold them. Their query
 * time is reported both as one process querying both (sum) and as two pods queried in parallel
 * (max; merging 2 × k hits costs nothing measurable).
 *
 * The approximate index is built up to --ann-max vectors (quick: 10k, full: 100k): its build is the
 * slowest thing measured (minutes of CPU at 100k, ~13× that at 1M), and the search suite already
 * builds it at 1M (100k quick); pass --ann-max=1000000 for it here too.
 *
 * Usage: npx tsx tools/src/bench/system/growth.ts [--quick] [--sizes=10000,100000] [--ann-max=N]
 * Writes docs/bench/growth.json and docs/bench/growth-{latency,memory,indexing}.svg.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createLogger, REPO_ROOT } from '@tit/kit';
import { DEFAULT_ANN_CANDIDATES } from '@tit/search/src/config';
import { createIndex } from '@tit/search/src/create-index';
import { Generation } from '@tit/search/src/domain/generation';
import type { SearchIndex } from '@tit/search/src/domain/search-index';
import { VectorStore } from '@tit/search/src/domain/vector-store';
import type { QueryInput } from '@tit/search/src/domain/types';
import { logLogChart } from '../chart';
import { compare, machineLine, OUT_DIR, saveResult, type BenchResult, type Figure } from '../figures';
import { LoadMonitor } from '../load-monitor';
import { median, percentile, prng, round } from '../stats';
import { ClusteredVectors, indexCollection, loadCaptions, searchConfig } from './dataset';

const DIMS = 384;
const PER_IMAGE = 5;
const MODEL = 'bench/minilm-384';
/** Most vectors in one shard: SEARCH_MAX_VECTORS' default, and under the 4 GiB store limit. */
export const SHARD_MAX = 2_000_000;
const MiB = 2 ** 20;
const GiB = 2 ** 30;

export interface BuildReport {
  shard: number;
  count: number;
  upsertMs: number;
  commitMs: number;
  snapshotBytes: number;
  peakRssBytes: number;
  /** CPU seconds of the build process (all threads) for upsert + commit. */
  cpuSeconds: number;
}

export interface ServeReport {
  count: number;
  shards: number;
  restoreMs: number;
  /** RSS growth of the serving process from before restore, bytes. */
  rssExactBytes: number;
  rssWithAnnBytes: number | null;
  annBuildMs: number | null;
  /** CPU seconds (all threads) of the approximate index build. */
  annBuildCpuSeconds: number | null;
  /** CPU ms per query (all threads), exact and approximate: robust to other load on the machine. */
  exactCpuMsPerQuery: number;
  annCpuMsPerQuery: number | null;
  exactP50Ms: number;
  exactP99Ms: number;
  /** With shards: the slowest shard per query (pods queried in parallel). */
  exactParallelP50Ms: number;
  annP50Ms: number | null;
  annP99Ms: number | null;
  recallAt10: number | null;
  queries: number;
}

export interface SizeResult {
  count: number;
  shards: number;
  build: BuildReport[] | null;
  serve: ServeReport | null;
  skipped?: string;
}

function memAvailable(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return os.freemem();
}

/** Bytes a build child of `n` vectors peaks at: builder buffer + store + growth slack + strings. */
const buildNeed = (n: number): number => n * DIMS * 4 * 2.6 + n * 400 + 400 * MiB;
/** Bytes the serving child needs: store + HNSW (i8 copy + graph) + strings. */
const serveNeed = (n: number, ann: boolean): number => n * DIMS * 4 * 1.1 + (ann ? n * (DIMS + 200) : 0) + n * 300 + 400 * MiB;

// --------------------------------------------------------------- children

/** CPU ms (user + system, every thread of the process) since `from`. */
const cpuSince = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

const gc = (): void => {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
};

function shardIndex(dir: string, count: number, ann: boolean, annDir: string): SearchIndex {
  const config = searchConfig(dir, {
    SEARCH_MAX_VECTORS: String(Math.max(count, 1)),
    SEARCH_ANN_THRESHOLD: ann ? '1' : '0',
    SEARCH_ANN_DIR: annDir,
  });
  return createIndex(config, createLogger('bench-growth', 'warn'), null);
}

async function childBuild(dir: string, count: number, offset: number, shard: number): Promise<BuildReport> {
  const texts = loadCaptions().images.flatMap((i) => i.captions);
  const index = shardIndex(dir, count, false, os.tmpdir());
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 200);
  const vectors = new ClusteredVectors(DIMS, 42);
  const cpu0 = process.cpuUsage();
  const t = await indexCollection(
    index,
    {
      count,
      perImage: PER_IMAGE,
      texts,
      vectors,
      model: MODEL,
      imageIdOf: (img) => `img${img + offset / PER_IMAGE}`,
      captionOf: (c) => texts[(c + offset) % texts.length],
    },
    'synthetic',
    dir,
  );
  const cpuSeconds = cpuSince(cpu0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  index.close();
  return { shard, count, upsertMs: t.upsertMs, commitMs: t.commitMs, snapshotBytes: t.snapshotBytes, peakRssBytes: peak, cpuSeconds };
}

async function childServe(dirs: string[], count: number, ann: boolean, queries: number): Promise<ServeReport> {
  const annDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-growth-ann-'));
  try {
    gc();
    const base = process.memoryUsage.rss();
    const t = performance.now();
    const shards: SearchIndex[] = [];
    for (const d of dirs) {
      const idx = shardIndex(d, count, ann, annDir);
      await idx.restore();
      shards.push(idx);
    }
    const restoreMs = performance.now() - t;
    // With the approximate index enabled, restore() started its build in a worker; wait for it.
    let annBuildMs: number | null = null;
    let annBuildCpuSeconds: number | null = null;
    if (ann) {
      const cpu0 = process.cpuUsage();
      for (const s of shards) if (!(await s.approximateReady(3_600_000))) throw new Error('the approximate index was not built');
      annBuildMs = performance.now() - t - restoreMs;
      annBuildCpuSeconds = cpuSince(cpu0) / 1000;
    }
    const vectors = new ClusteredVectors(DIMS, 42);
    const r = prng(99);
    const total = count * dirs.length;
    const input = (v: Float32Array, exact: boolean): QueryInput => ({
      vector: new Uint8Array(v.buffer),
      model: MODEL,
      text: '',
      k: 10,
      mode: 'dense',
      aggregation: 'max',
      excludeImageIds: [],
      excludeContentHashes: [],
      exact,
    });
    const sample = (): Float32Array => {
      const c = Math.floor(r() * total);
      return vectors.queryNear(c, Math.floor(c / PER_IMAGE), c);
    };
    for (let i = 0; i < 5; i++) for (const s of shards) s.query(input(sample(), true));
    const exact: number[] = [];
    const exactParallel: number[] = [];
    const approx: number[] = [];
    const qs = Array.from({ length: queries }, sample);
    const truths: Array<Array<{ imageId: string; score: number }>> = [];
    // CPU time is read around whole loops: a syscall per query would give a loaded scheduler a
    // chance to switch the process out inside the timed region.
    let c0 = process.cpuUsage();
    for (const v of qs) {
      let slowest = 0;
      const truth: Array<{ imageId: string; score: number }> = [];
      const t0 = performance.now();
      for (const s of shards) {
        const ts = performance.now();
        truth.push(...s.query(input(v, true)).hits);
        slowest = Math.max(slowest, performance.now() - ts);
      }
      exact.push(performance.now() - t0);
      exactParallel.push(slowest);
      truths.push(truth);
    }
    const exactCpu = cpuSince(c0);
    let annCpu = 0;
    let recall = 0;
    if (ann) {
      const top = (xs: Array<{ imageId: string; score: number }>): Set<string> =>
        new Set([...xs].sort((a, b) => b.score - a.score).slice(0, 10).map((h) => h.imageId));
      c0 = process.cpuUsage();
      const answers: Array<Array<{ imageId: string; score: number }>> = [];
      for (const v of qs) {
        const ta = performance.now();
        const got: Array<{ imageId: string; score: number }> = [];
        for (const s of shards) got.push(...s.query(input(v, false)).hits);
        approx.push(performance.now() - ta);
        answers.push(got);
      }
      annCpu = cpuSince(c0);
      answers.forEach((got, i) => {
        const want = top(truths[i]);
        const have = top(got);
        recall += [...have].filter((id) => want.has(id)).length / Math.max(1, want.size);
      });
    }
    gc();
    const rssAfter = process.memoryUsage.rss() - base;
    const report: ServeReport = {
      count: total,
      shards: dirs.length,
      restoreMs,
      rssExactBytes: 0,
      rssWithAnnBytes: ann ? rssAfter : null,
      annBuildMs,
      annBuildCpuSeconds,
      exactCpuMsPerQuery: exactCpu / queries,
      annCpuMsPerQuery: ann ? annCpu / queries : null,
      exactP50Ms: percentile(exact, 50),
      exactP99Ms: percentile(exact, 99),
      exactParallelP50Ms: percentile(exactParallel, 50),
      annP50Ms: ann ? percentile(approx, 50) : null,
      annP99Ms: ann ? percentile(approx, 99) : null,
      recallAt10: ann ? recall / queries : null,
      queries,
    };
    for (const s of shards) s.close();
    return report;
  } finally {
    fs.rmSync(annDir, { recursive: true, force: true });
  }
}

/** Exact-only memory: restore in a fresh process and measure before any approximate index exists. */
async function childMemory(dirs: string[], count: number): Promise<number> {
  gc();
  const base = process.memoryUsage.rss();
  const shards: SearchIndex[] = [];
  for (const d of dirs) {
    const idx = shardIndex(d, count, false, os.tmpdir());
    await idx.restore();
    shards.push(idx);
  }
  gc();
  const rss = process.memoryUsage.rss() - base;
  for (const s of shards) s.close();
  return rss;
}

/**
 * Exact search CPU ms per dense top-10 query over `count` vectors: a generation assembled in this
 * process straight from a filled store (no upsert, no snapshot), queried through Generation.query,
 * the code path of every exact query. The regression test's quick probe of how exact search scales.
 */
export async function exactSearchCpuMs(count: number, queries: number): Promise<number> {
  const vectors = new ClusteredVectors(DIMS, 42);
  const store = new VectorStore(count, DIMS);
  for (let i = 0; i < count; i++) vectors.fill(store.vectors, i * store.stride, i, Math.floor(i / PER_IMAGE));
  const images = Math.ceil(count / PER_IMAGE);
  const imageStart = new Int32Array(images + 1);
  for (let i = 0; i <= images; i++) imageStart[i] = Math.min(i * PER_IMAGE, count);
  const gen = await Generation.assemble(
    { id: 'probe', model: MODEL, dimensions: DIMS, dataset: 'synthetic', buildKey: '', createdAtMs: 0, committedAtMs: 0 },
    {
      imageIds: Array.from({ length: images }, (_, i) => `img${i}`),
      imagePaths: new Array<string>(images).fill(''),
      contentHashes: new Array<string>(images).fill(''),
      imageStart,
      captionIds: Array.from({ length: count }, (_, i) => `c${i}`),
      captions: new Array<string>(count).fill('a dog runs on the beach'),
      generated: new Uint8Array(count),
    },
    store,
    { bm25: { k1: 1.2, b: 0.75 }, hybridDenseWeight: 0.7, annCandidates: DEFAULT_ANN_CANDIDATES },
  );
  const r = prng(5);
  const qs = Array.from({ length: queries }, () => {
    const c = Math.floor(r() * count);
    return vectors.queryNear(c, Math.floor(c / PER_IMAGE), c);
  });
  const run = (v: Float32Array): unknown =>
    gen.query({ vector: new Uint8Array(v.buffer), model: MODEL, text: '', k: 10, mode: 'dense', aggregation: 'max', excludeImageIds: [], excludeContentHashes: [], exact: true });
  for (const v of qs.slice(0, 3)) run(v);
  const c0 = process.cpuUsage();
  for (const v of qs) run(v);
  const ms = cpuSince(c0) / queries;
  gen.dispose();
  return ms;
}

// ----------------------------------------------------------------- parent

/** Pids of the children started so far (the load monitor counts their CPU as the benchmark's). */
const childPids = new Set<number>();

function runChild<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', __filename, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (child.pid !== undefined) childPids.add(child.pid);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`growth child ${args.join(' ')} failed (${code ?? signal})`));
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`growth child ${args.join(' ')} printed no result: ${out.slice(-300)}`));
      }
    });
  });
}

export interface GrowthOptions {
  sizes: readonly number[];
  /** Largest size that gets an approximate index. */
  annMax: number;
  /** Queries per size (fewer at the largest sizes, where exact search takes long). */
  queries: (count: number) => number;
  log?: (line: string) => void;
}

export async function runGrowth(o: GrowthOptions): Promise<{ sizes: SizeResult[]; notes: string[] }> {
  const log = o.log ?? ((l: string) => console.log(l));
  const notes: string[] = [];
  const out: SizeResult[] = [];
  for (const count of o.sizes) {
    const shards = Math.ceil(count / SHARD_MAX);
    const perShard = Math.ceil(count / shards);
    const ann = count <= o.annMax;
    const need = Math.max(buildNeed(perShard), serveNeed(count, ann));
    const avail = memAvailable();
    if (need > avail * 0.9) {
      const why = `${count.toLocaleString('en')} vectors skipped: needs ~${(need / GiB).toFixed(1)} GiB, ${(avail / GiB).toFixed(1)} GiB available`;
      log(why);
      notes.push(why);
      out.push({ count, shards, build: null, serve: null, skipped: why });
      continue;
    }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-growth-'));
    try {
      const dirs = Array.from({ length: shards }, (_, s) => path.join(root, `shard-${s}`));
      const build: BuildReport[] = [];
      for (let s = 0; s < shards; s++) {
        log(`${count.toLocaleString('en')}: indexing shard ${s + 1}/${shards} (${perShard.toLocaleString('en')} vectors)...`);
        build.push(await runChild<BuildReport>(['--child-build', dirs[s], String(perShard), String(s * perShard), String(s)]));
      }
      log(`  upsert ${(build.reduce((a, b) => a + b.upsertMs, 0) / 1000).toFixed(1)} s, commit ${(build.reduce((a, b) => a + b.commitMs, 0) / 1000).toFixed(1)} s`);
      const rssExact = await runChild<number>(['--child-memory', String(perShard), ...dirs]);
      log(`  serving memory (exact): ${(rssExact / MiB).toFixed(0)} MiB; querying${ann ? ' and building the approximate index' : ''}...`);
      const serve = await runChild<ServeReport>(['--child-serve', String(perShard), ann ? '1' : '0', String(o.queries(count)), ...dirs]);
      serve.rssExactBytes = rssExact;
      log(
        `  exact p50 ${serve.exactP50Ms.toFixed(2)} ms` +
          (ann ? `, approximate p50 ${serve.annP50Ms!.toFixed(2)} ms (recall@10 ${serve.recallAt10!.toFixed(3)}), HNSW build ${(serve.annBuildMs! / 1000).toFixed(1)} s` : ''),
      );
      out.push({ count, shards, build, serve });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  return { sizes: out, notes };
}

// ----------------------------------------------------------------- report

const label = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

/** Figures and charts from the per-size results. */
export function growthFigures(sizes: readonly SizeResult[]): { figures: Figure[]; charts: Record<string, string> } {
  const ok = sizes.filter((s): s is SizeResult & { serve: ServeReport; build: BuildReport[] } => s.serve !== null && s.build !== null);
  const figures: Figure[] = [];
  const first = ok[0];
  for (const s of ok) {
    const v = s.serve;
    const shardNote = s.shards > 1 ? ` (${s.shards} shards of ${label(s.count / s.shards)})` : '';
    const rawBytes = s.count * DIMS * 4;
    figures.push(
      first && s !== first
        ? compare(
            `exact top-10 p50 at ${label(s.count)} vectors${shardNote}, vs at ${label(first.count)} (linear growth would be ${(s.count / first.count).toFixed(0)}×)`,
            round(v.exactP50Ms, 3),
            'ms',
            round(first.serve.exactP50Ms, 3),
            `${label(first.count)}: ${first.serve.exactP50Ms.toFixed(2)} ms`,
          )
        : { metric: `exact top-10 p50 at ${label(s.count)} vectors`, value: round(v.exactP50Ms, 3), unit: 'ms' },
    );
    if (s.shards > 1) {
      figures.push({ metric: `exact top-10 p50 at ${label(s.count)}, ${s.shards} shards queried in parallel (slowest shard)`, value: round(v.exactParallelP50Ms, 3), unit: 'ms' });
    }
    if (v.annP50Ms !== null) {
      figures.push(
        compare(`approximate top-10 p50 at ${label(s.count)} vectors (HNSW + exact re-scoring) vs exact`, round(v.annP50Ms, 3), 'ms', round(v.exactP50Ms, 3), `exact ${v.exactP50Ms.toFixed(2)} ms`),
        { metric: `approximate recall@10 (images) of exact search at ${label(s.count)}`, value: round(v.recallAt10!, 3), unit: '', target: '≥ 0.95', met: v.recallAt10! >= 0.95 },
        { metric: `approximate index (HNSW i8, M=16, efC=128) build at ${label(s.count)}`, value: round(v.annBuildMs! / 1000, 2), unit: 's' },
      );
    }
    figures.push(
      compare(`serving memory at ${label(s.count)} (RSS growth after restore, exact only) vs raw vector bytes`, round(v.rssExactBytes / MiB, 1), 'MiB', round(rawBytes / MiB, 1), `raw ${(rawBytes / MiB).toFixed(0)} MiB`),
    );
    if (v.rssWithAnnBytes !== null) {
      figures.push(compare(`serving memory at ${label(s.count)} with the approximate index vs raw vector bytes`, round(v.rssWithAnnBytes / MiB, 1), 'MiB', round(rawBytes / MiB, 1), `raw ${(rawBytes / MiB).toFixed(0)} MiB`));
    }
    const indexMs = s.build.reduce((a, b) => a + b.upsertMs + b.commitMs, 0);
    figures.push(
      first && s !== first
        ? compare(
            `indexing at ${label(s.count)}${shardNote}: upsert + commit (search side), vs at ${label(first.count)}`,
            round(indexMs / 1000, 2),
            's',
            round(first.build.reduce((a, b) => a + b.upsertMs + b.commitMs, 0) / 1000, 3),
            `${label(first.count)}`,
          )
        : { metric: `indexing at ${label(s.count)}: upsert + commit (search side)`, value: round(indexMs / 1000, 3), unit: 's' },
    );
  }
  const xs = (f: (s: (typeof ok)[number]) => number | null): Array<[number, number]> =>
    ok.map((s) => [s.count, f(s)] as [number, number | null]).filter((p): p is [number, number] => p[1] !== null);
  const charts = {
    'growth-latency.svg': logLogChart('Search cost per query vs collection size (top-10)', 'caption vectors (384 dims)', 'ms', [
      { name: 'exact, CPU', points: xs((s) => s.serve.exactCpuMsPerQuery) },
      { name: 'approximate, CPU', points: xs((s) => s.serve.annCpuMsPerQuery) },
      { name: 'exact, p50 wall', points: xs((s) => s.serve.exactP50Ms), dashed: true },
      { name: 'approximate, p50 wall', points: xs((s) => s.serve.annP50Ms), dashed: true },
      { name: 'exact, shards parallel', points: xs((s) => (s.shards > 1 ? s.serve.exactParallelP50Ms : null)), dashed: true },
    ]),
    'growth-memory.svg': logLogChart('Serving memory vs collection size', 'caption vectors (384 dims)', 'MiB', [
      { name: 'exact only', points: xs((s) => s.serve.rssExactBytes / MiB) },
      { name: 'with HNSW', points: xs((s) => (s.serve.rssWithAnnBytes === null ? null : s.serve.rssWithAnnBytes / MiB)) },
      { name: 'raw float32 vectors', points: xs((s) => (s.count * DIMS * 4) / MiB), dashed: true },
    ]),
    'growth-indexing.svg': logLogChart('Indexing time vs collection size (search side)', 'caption vectors (384 dims)', 'seconds', [
      { name: 'upsert + commit', points: xs((s) => s.build.reduce((a, b) => a + b.upsertMs + b.commitMs, 0) / 1000) },
      { name: 'HNSW build', points: xs((s) => (s.serve.annBuildMs === null ? null : s.serve.annBuildMs / 1000)) },
    ]),
  };
  return { figures, charts };
}

// -------------------------------------------------------------------- CLI

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  switch (argv[0]) {
    case '--child-build':
      process.stdout.write(`${JSON.stringify(await childBuild(argv[1], Number(argv[2]), Number(argv[3]), Number(argv[4])))}\n`);
      return;
    case '--child-memory':
      process.stdout.write(`${JSON.stringify(await childMemory(argv.slice(2), Number(argv[1])))}\n`);
      return;
    case '--child-serve':
      process.stdout.write(`${JSON.stringify(await childServe(argv.slice(4), Number(argv[1]), argv[2] === '1', Number(argv[3])))}\n`);
      return;
    default:
      break;
  }
  if (argv.includes('--replot')) {
    // Redraw the charts and recompute the figures of the last results (after a change to them).
    const file = path.join(OUT_DIR, 'growth.json');
    const last = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult;
    const { figures, charts } = growthFigures((last.details as { sizes: SizeResult[] }).sizes);
    for (const [f, svg] of Object.entries(charts)) fs.writeFileSync(path.join(OUT_DIR, f), svg);
    fs.writeFileSync(file, `${JSON.stringify({ ...last, figures }, null, 2)}\n`);
    console.log(`redrew ${Object.keys(charts).join(', ')} from ${path.relative(REPO_ROOT, file)}`);
    return;
  }
  const quick = argv.includes('--quick');
  const sizesArg = argv.find((a) => a.startsWith('--sizes='));
  const annArg = argv.find((a) => a.startsWith('--ann-max='));
  const sizes = sizesArg ? sizesArg.slice(8).split(',').map(Number) : quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000, 4_000_000];
  const annMax = annArg ? Number(annArg.slice(10)) : quick ? 10_000 : 100_000;
  const started = Date.now();
  const monitor = new LoadMonitor(() => childPids);
  const { sizes: results, notes } = await runGrowth({
    sizes,
    annMax,
    queries: (n) => (n <= 100_000 ? 200 : n <= 1_000_000 ? (quick ? 20 : 40) : 15),
  });
  const load = monitor.stop();
  const { figures, charts } = growthFigures(results);
  for (const [file, svg] of Object.entries(charts)) fs.writeFileSync(path.join(OUT_DIR, file), svg);
  if (!sizes.some((s) => s > annMax)) {
    // nothing skipped on purpose
  } else {
    notes.push(
      `no approximate index above ${label(annMax)} vectors: an HNSW build grows a little faster than linearly (see the build times), ` +
        `so it was left out to keep the run within its time budget; exact search is measured at every size.`,
    );
  }
  notes.push(`charts: ${Object.keys(charts).map((f) => `docs/bench/${f}`).join(', ')}`);
  saveResult({
    suite: 'growth',
    quick,
    command: `pnpm bench --only=growth${quick ? ' --quick' : ''} (npx tsx tools/src/bench/system/growth.ts${quick ? ' --quick' : ''})`,
    machine: machineLine(),
    node: process.version,
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    load,
    figures,
    notes,
    details: { dimensions: DIMS, captionsPerImage: PER_IMAGE, shardMax: SHARD_MAX, sizes: results, medianQueries: median(results.map((r) => r.serve?.queries ?? 0)) },
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
