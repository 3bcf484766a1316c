/**
 * Search benchmark: `npx tsx services/search/bench/search.bench.ts [--quick]` (or `pnpm bench`).
 *
 * 1. Exact search over 40,455 × 384 vectors (Flickr8k's caption count; its captions and image
 *    grouping when ../shared/datasets is present, generated ones otherwise). Vectors are synthetic,
 *    clustered and L2-normalized: exact search reads every byte whatever the values are. Dense
 *    top-5 queries through the domain (SearchIndex.query: kernel, aggregation, heap) give p50/p99;
 *    the baseline is a native probe measured in the same run: a C sum reduction compiled with
 *    `cc -O3 -march=native` into a temporary folder, reading the same bytes once per pass. A plain
 *    JavaScript dot-product loop over the same array is shown for context. p50 through a real gRPC
 *    server and client is reported too.
 * 2. Memory: a child process restores the generation from its snapshot (as a replica does) and
 *    reports its resident-memory growth against the raw vector bytes and caption text.
 * 3. The approximate index at 1,000,000 vectors (--quick: 100,000): build time, p50/p99 of dense
 *    top-10 queries, and recall@10 of the returned images against exact search of the same
 *    generation.
 * Prints a markdown table and writes docs/bench/search.json (not with --part=exact|ann, which run
 * one half for iterating).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { bindServer, createClient, createLogger, loadSearchProto, REPO_ROOT, unaryCall } from '@tit/kit';
import type { QueryResponse__Output } from '@tit/kit/src/generated/search/v1/QueryResponse';
import { loadServiceConfig } from '../src/config';
import { AnnIndex, type AnnOptions } from '../src/domain/ann-index';
import { Generation, type GenerationContent, type RankingOptions } from '../src/domain/generation';
import { SearchIndex, type SearchIndexOptions } from '../src/domain/search-index';
import { SnapshotStore } from '../src/domain/snapshot-store';
import type { ItemInput, QueryInput } from '../src/domain/types';
import { VectorStore } from '../src/domain/vector-store';
import { buildServer } from '../src/server';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const QUICK = process.argv.includes('--quick');
const DIMS = 384;
const N_EXACT = 40_455;
const N_ANN = QUICK ? 100_000 : 1_000_000;
const EXACT_QUERIES = QUICK ? 100 : 300;
const ANN_QUERIES = QUICK ? 100 : 200;
const PROBE_REPS = QUICK ? 30 : 60;
const CAPTIONS = path.resolve(REPO_ROOT, '../shared/datasets/flickr8k-full/captions.txt');
const OUT = path.join(REPO_ROOT, 'docs/bench/search.json');
const MODEL = 'bench/minilm-384';
const log = createLogger('search-bench', 'warn');

// The service's defaults (SEARCH_* unset), so the figures describe the shipped configuration.
const config = loadServiceConfig({});
const ranking: RankingOptions = {
  bm25: { k1: config.SEARCH_BM25_K1, b: config.SEARCH_BM25_B },
  hybridDenseWeight: config.SEARCH_HYBRID_DENSE_WEIGHT,
  annCandidates: config.SEARCH_ANN_CANDIDATES,
};
const annOptions = (dir: string): AnnOptions => ({
  threshold: config.SEARCH_ANN_THRESHOLD,
  connectivity: config.SEARCH_ANN_CONNECTIVITY,
  expansionAdd: config.SEARCH_ANN_EXPANSION_ADD,
  expansionSearch: config.SEARCH_ANN_EXPANSION_SEARCH,
  quantization: config.SEARCH_ANN_QUANTIZATION,
  threads: config.SEARCH_ANN_THREADS,
  dir,
});

interface Figure {
  metric: string;
  value: number;
  unit: string;
  baseline?: string;
  ratio?: number;
  target?: string;
  met?: boolean;
}

// ---------------------------------------------------------------- data

/** Two xorshift32 generators combined into a 53-bit uniform in [0, 1): fast for a billion draws. */
function prng(seed: number): () => number {
  let a = (seed * 2654435761) >>> 0 || 1;
  let b = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    b ^= b << 7;
    b ^= b >>> 9;
    b ^= b << 8;
    return ((a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11)) / 2 ** 53;
  };
}

/** Approximately normal (Irwin–Hall of 4 uniforms, unit variance). */
const gaussian = (r: () => number) => (): number => (r() + r() + r() + r() - 2) * Math.sqrt(3);

function normalize(v: Float32Array, at: number, dims: number): void {
  let s = 0;
  for (let j = 0; j < dims; j++) s += v[at + j] * v[at + j];
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < dims; j++) v[at + j] = v[at + j] * inv;
}

/**
 * Clustered embeddings, the shape of sentence embeddings: topics on the sphere, images around a
 * topic, captions around their image. Writes `count` rows into `out` (stride apart), images of
 * `perImage(i)` captions.
 */
function fillClustered(out: Float32Array, stride: number, imageStart: Int32Array, seed: number): void {
  const g = gaussian(prng(seed));
  const topics = new Float32Array(1000 * DIMS);
  for (let i = 0; i < topics.length; i++) topics[i] = g();
  for (let t = 0; t < 1000; t++) normalize(topics, t * DIMS, DIMS);
  const img = new Float32Array(DIMS);
  const r = prng(seed + 1);
  for (let i = 0; i + 1 < imageStart.length; i++) {
    const t = Math.floor(r() * 1000) * DIMS;
    for (let j = 0; j < DIMS; j++) img[j] = topics[t + j] + 0.05 * g();
    for (let c = imageStart[i]; c < imageStart[i + 1]; c++) {
      const at = c * stride;
      for (let j = 0; j < DIMS; j++) out[at + j] = img[j] + 0.035 * g();
      normalize(out, at, DIMS);
    }
  }
}

/** Flickr8k captions grouped by image, or generated ones of the same count. */
function loadCaptions(): { images: Array<{ id: string; captions: string[] }>; source: string } {
  if (fs.existsSync(CAPTIONS)) {
    const byImage = new Map<string, string[]>();
    for (const line of fs.readFileSync(CAPTIONS, 'utf8').split('\n').slice(1)) {
      const comma = line.indexOf(',');
      if (comma < 0) continue;
      const id = line.slice(0, comma).replace(/\.jpg$/, '');
      const cap = line.slice(comma + 1).replace(/^"|"$/g, '').trim();
      byImage.set(id, [...(byImage.get(id) ?? []), cap]);
    }
    const images = [...byImage].map(([id, captions]) => ({ id, captions }));
    return { images, source: `Flickr8k captions (${CAPTIONS})` };
  }
  console.log(`(${CAPTIONS} not found: generated captions)`);
  const words = ['dog', 'man', 'woman', 'child', 'runs', 'sits', 'beach', 'grass', 'street', 'water', 'red', 'ball'];
  const r = prng(3);
  const images = Array.from({ length: Math.ceil(N_EXACT / 5) }, (_, i) => ({
    id: `img${i}`,
    captions: Array.from({ length: 5 }, () => Array.from({ length: 9 }, () => words[Math.floor(r() * words.length)]).join(' ')),
  }));
  return { images, source: 'generated captions' };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

function indexOptions(dir: string | null): SearchIndexOptions {
  return {
    role: 'writer',
    buildLimits: { maxVectors: 5_000_000, maxCaptionChars: 10_000, maxIdChars: 1024 },
    queryLimits: { maxK: 1000, maxTextChars: 1000, maxExclusions: 1000 },
    ranking,
    ann: { ...annOptions(os.tmpdir()), threshold: 0 },
    snapshots: dir ? new SnapshotStore(dir) : null,
    snapshotKeep: 3,
    maxBuilding: 4,
    buildIdleTtlMs: 3_600_000,
    log,
  };
}

// ------------------------------------------------------ child: restore

/** `--child-restore <dir>`: restore in a fresh process and report resident-memory growth. */
async function childRestore(dir: string): Promise<void> {
  const index = new SearchIndex(indexOptions(dir));
  // Any Node process commits its young generation (16+ MiB here) on its first allocation-heavy
  // work, whatever it holds; cycle it once so the baseline already includes that fixed cost and
  // the growth measured is the generation's own.
  let sink = 0;
  for (let i = 0; i < 3_000_000; i++) sink += `warm-${i}`.length;
  gc();
  await new Promise((r) => setTimeout(r, 100));
  gc();
  const before = process.memoryUsage.rss() + (sink & 0);
  const t0 = performance.now();
  await index.restore();
  const restoreMs = performance.now() - t0;
  gc();
  await new Promise((r) => setTimeout(r, 100));
  gc();
  const after = process.memoryUsage.rss();
  const st = index.stats();
  process.stdout.write(`${JSON.stringify({ rssDelta: after - before, restoreMs, vectorBytes: st.vectorBytes, served: st.serving?.id })}\n`);
}

// --------------------------------------------------------------- probe

/**
 * Compiles the C probe into a temporary folder and writes the vector bytes next to it; `run(reps)`
 * returns the milliseconds of each pass. Null when no C compiler is available.
 */
function nativeProbe(vectors: Float32Array): { run(reps: number): number[]; dispose(): void } | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-search-probe-'));
  const dispose = (): void => fs.rmSync(dir, { recursive: true, force: true });
  const bin = path.join(dir, 'probe');
  try {
    execFileSync('cc', ['-O3', '-march=native', '-o', bin, path.join(__dirname, 'bandwidth-probe.c')], { stdio: 'pipe' });
  } catch (err) {
    console.log(`(native probe skipped: cc failed: ${(err as Error).message.split('\n')[0]})`);
    dispose();
    return null;
  }
  const data = path.join(dir, 'vectors.f32');
  fs.writeFileSync(data, new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
  return {
    run: (reps) => (JSON.parse(execFileSync(bin, [data, String(reps)], { encoding: 'utf8' })) as { ms: number[] }).ms,
    dispose,
  };
}

function plainJsPass(store: VectorStore, q: Float32Array, reps: number): number {
  const { vectors, stride, count } = store;
  const out = new Float32Array(count);
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    for (let i = 0; i < count; i++) {
      let s = 0;
      const at = i * stride;
      for (let j = 0; j < DIMS; j++) s += vectors[at + j] * q[j];
      out[i] = s;
    }
    times.push(performance.now() - t);
  }
  return pct(times, 50);
}

// ---------------------------------------------------------- 1. exact

async function exactPart(figures: Figure[]): Promise<void> {
  const { images, source } = loadCaptions();
  let count = 0;
  const imageStart = new Int32Array(images.length + 1);
  images.forEach((im, i) => {
    imageStart[i] = count;
    count += im.captions.length;
  });
  imageStart[images.length] = count;
  console.log(`exact: ${count} captions of ${images.length} images (${source}), ${DIMS} dims`);

  // Build through the real write path: begin, upsert (chunks of 512), commit with snapshot.
  const snapDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-search-bench-'));
  const index = new SearchIndex(indexOptions(snapDir));
  const rows = new Float32Array(count * DIMS);
  fillClustered(rows, DIMS, imageStart, 42);
  const g = index.begin({ model: MODEL, dimensions: DIMS, dataset: source, buildKey: '' });
  const items: ItemInput[] = [];
  images.forEach((im, i) =>
    im.captions.forEach((caption, j) => {
      const c = imageStart[i] + j;
      items.push({
        id: `${im.id}#${j}`,
        imageId: im.id,
        caption,
        vector: new Uint8Array(rows.buffer, c * DIMS * 4, DIMS * 4),
        imagePath: `Images/${im.id}.jpg`,
        contentHash: '',
        generated: false,
      });
    }),
  );
  async function* chunks() {
    for (let i = 0; i < items.length; i += 512) yield { generationId: g.id, items: items.slice(i, i + 512) };
  }
  let t = performance.now();
  await index.upsert(chunks());
  const upsertMs = performance.now() - t;
  t = performance.now();
  await index.commit(g.id);
  const commitMs = performance.now() - t;
  const captionBytes = images.reduce((s, im) => s + im.captions.reduce((a, c) => a + Buffer.byteLength(c), 0), 0);
  const rawBytes = count * DIMS * 4;

  // Latency of dense top-5 through the domain.
  const r = prng(7);
  const queries: Uint8Array[] = [];
  for (let i = 0; i < EXACT_QUERIES; i++) {
    const base = Math.floor(r() * count) * DIMS;
    const q = Float32Array.from(rows.subarray(base, base + DIMS), (x) => x + (r() - 0.5) * 0.02);
    queries.push(new Uint8Array(q.buffer));
  }
  const query = (v: Uint8Array): QueryInput => ({
    vector: v,
    model: MODEL,
    text: '',
    k: 5,
    mode: 'dense',
    aggregation: 'max',
    excludeImageIds: [],
    excludeContentHashes: [],
  });
  for (let i = 0; i < 10; i++) index.query(query(queries[i])); // warm-up (JIT, page faults)
  // Queries and native passes alternate in rounds, so load from other processes on this shared
  // machine weighs on both sides of the ratio alike.
  const probe = nativeProbe(rows);
  const ROUNDS = 5;
  const lat: number[] = [];
  const probeMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (probe) probeMs.push(...probe.run(Math.ceil(PROBE_REPS / ROUNDS)));
    for (const v of queries.slice((round * queries.length) / ROUNDS, ((round + 1) * queries.length) / ROUNDS)) {
      const s = performance.now();
      index.query(query(v));
      lat.push(performance.now() - s);
    }
  }
  probe?.dispose();
  const p50 = pct(lat, 50);
  const p99 = pct(lat, 99);

  // The same through gRPC (real server and client on loopback).
  const { server } = buildServer({ log, index });
  const port = await bindServer(server, '127.0.0.1', 0);
  const client = createClient(loadSearchProto().search.v1.SearchService, `127.0.0.1:${port}`);
  const grpcLat: number[] = [];
  for (let i = 0; i < queries.length; i++) {
    const s = performance.now();
    await unaryCall<object, QueryResponse__Output>(client, client.query.bind(client), { vector: Buffer.from(queries[i]), model: MODEL, k: 5 }, { deadline: 10_000 });
    if (i >= 10) grpcLat.push(performance.now() - s);
  }
  client.close();
  server.forceShutdown();

  // For context, a plain JavaScript loop over the same array.
  const anyGen = (index as unknown as { serving: Generation }).serving;
  const jsP50 = plainJsPass(anyGen.store, new Float32Array(queries[0].buffer), QUICK ? 5 : 11);

  // Memory: restore the snapshot in a fresh process.
  const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child-restore', snapDir], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
  });
  const childOut = child.stdout.trim().split('\n').pop() ?? '';
  let mem: { rssDelta: number; restoreMs: number } | null = null;
  try {
    mem = JSON.parse(childOut) as { rssDelta: number; restoreMs: number };
  } catch {
    console.log(`(memory child failed: ${child.stderr.slice(0, 500)})`);
  }
  index.close();
  fs.rmSync(snapDir, { recursive: true, force: true });

  const label = `${count} × ${DIMS}`;
  figures.push({ metric: `exact top-5 p50 over ${label} (SearchIndex.query)`, value: p50, unit: 'ms' });
  figures.push({ metric: `exact top-5 p99 over ${label}`, value: p99, unit: 'ms' });
  if (probe) {
    const floor = pct(probeMs, 50);
    figures.push({
      metric: 'native probe: one pass over the same bytes (cc -O3 -march=native), p50',
      value: floor,
      unit: 'ms',
    });
    figures.push({
      metric: 'exact top-5 p50 as a multiple of the native bandwidth floor',
      value: p50 / floor,
      unit: '×',
      baseline: `native probe p50 ${floor.toFixed(2)} ms`,
      ratio: p50 / floor,
      target: '≤ 2×',
      met: p50 / floor <= 2,
    });
    figures.push({
      metric: 'plain JavaScript dot-product loop, same bytes, p50 (context)',
      value: jsP50,
      unit: 'ms',
      baseline: 'native probe p50',
      ratio: jsP50 / floor,
    });
  }
  figures.push({ metric: 'exact top-5 p50 through gRPC (loopback client and server)', value: pct(grpcLat, 50), unit: 'ms' });
  figures.push({ metric: `upsert of ${count} items (domain, chunks of 512)`, value: upsertMs, unit: 'ms' });
  figures.push({ metric: 'commit: compaction, BM25 build, snapshot write + fsync', value: commitMs, unit: 'ms' });
  if (mem) {
    figures.push({ metric: 'restore from snapshot (fresh process, checksum verified)', value: mem.restoreMs, unit: 'ms' });
    const ratio = (mem.rssDelta - captionBytes) / rawBytes;
    figures.push({
      metric: `resident memory of a restored generation: (RSS growth − caption text ${(captionBytes / 2 ** 20).toFixed(1)} MiB) / raw vector bytes ${(rawBytes / 2 ** 20).toFixed(1)} MiB`,
      value: ratio,
      unit: '×',
      baseline: `RSS growth ${(mem.rssDelta / 2 ** 20).toFixed(1)} MiB`,
      ratio,
      target: '≤ 1.3×',
      met: ratio <= 1.3,
    });
  }
}

// ------------------------------------------------------------ 2. ANN

async function annPart(figures: Figure[]): Promise<void> {
  const perImage = 5;
  const nImages = Math.ceil(N_ANN / perImage);
  console.log(`approximate: ${N_ANN} × ${DIMS} vectors (${nImages} images), generating...`);

  const store = new VectorStore(N_ANN, DIMS);
  const imageStart = new Int32Array(nImages + 1);
  for (let i = 0; i <= nImages; i++) imageStart[i] = Math.min(i * perImage, N_ANN);
  let t = performance.now();
  fillClustered(store.vectors, store.stride, imageStart, 1234);
  console.log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const content: GenerationContent = {
    imageIds: Array.from({ length: nImages }, (_, i) => `img${i}`),
    imagePaths: new Array<string>(nImages).fill(''),
    contentHashes: new Array<string>(nImages).fill(''),
    imageStart,
    captionIds: Array.from({ length: N_ANN }, (_, i) => `c${i}`),
    captions: Array.from({ length: N_ANN }, (_, i) => `caption ${i % 1000}`),
    generated: new Uint8Array(N_ANN),
  };
  const meta = { id: 'bench-ann', model: MODEL, dimensions: DIMS, dataset: 'synthetic', buildKey: '', createdAtMs: 0, committedAtMs: 0 };
  const gen = await Generation.assemble(meta, content, store, ranking);
  const annDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-search-ann-bench-'));
  t = performance.now();
  console.log('  building the HNSW index (usearch, worker thread)...');
  const ann = await AnnIndex.build(store, annOptions(annDir));
  const buildMs = performance.now() - t;
  gen.setApproximateIndex(ann);
  console.log(`  built in ${(buildMs / 1000).toFixed(1)} s`);

  const r = prng(99);
  const q = (): Uint8Array => {
    const base = Math.floor(r() * N_ANN) * store.stride;
    const v = Float32Array.from(store.vectors.subarray(base, base + DIMS), (x) => x + (r() - 0.5) * 0.02);
    return new Uint8Array(v.buffer);
  };
  const input = (v: Uint8Array, exact: boolean): QueryInput => ({
    vector: v,
    model: MODEL,
    text: '',
    k: 10,
    mode: 'dense',
    aggregation: 'max',
    excludeImageIds: [],
    excludeContentHashes: [],
    exact,
  });
  for (let i = 0; i < 20; i++) gen.query(input(q(), false));
  const lat: number[] = [];
  const exactLat: number[] = [];
  let hit = 0;
  for (let i = 0; i < ANN_QUERIES; i++) {
    const v = q();
    let s = performance.now();
    const approx = gen.query(input(v, false));
    lat.push(performance.now() - s);
    if (!approx.approximate) throw new Error('the approximate index did not answer');
    s = performance.now();
    const exact = gen.query(input(v, true));
    exactLat.push(performance.now() - s);
    const truth = new Set(exact.hits.map((h) => h.imageId));
    hit += approx.hits.filter((h) => truth.has(h.imageId)).length / exact.hits.length;
  }
  const recall = hit / ANN_QUERIES;
  const p50 = pct(lat, 50);
  const annBytes = ann.bytes;
  gen.dispose();
  fs.rmSync(annDir, { recursive: true, force: true });

  const label = `${N_ANN.toLocaleString('en')} × ${DIMS}`;
  figures.push({ metric: `approximate index build over ${label} (usearch HNSW, ${config.SEARCH_ANN_QUANTIZATION}, M=${config.SEARCH_ANN_CONNECTIVITY}, efC=${config.SEARCH_ANN_EXPANSION_ADD}, worker thread)`, value: buildMs / 1000, unit: 's' });
  figures.push({
    metric: `approximate top-10 p50 over ${label} (HNSW candidates + exact re-scoring)`,
    value: p50,
    unit: 'ms',
    baseline: `exact p50 ${pct(exactLat, 50).toFixed(1)} ms`,
    ratio: p50 / pct(exactLat, 50),
    target: '≤ 5 ms',
    met: p50 <= 5,
  });
  figures.push({ metric: `approximate top-10 p99 over ${label}`, value: pct(lat, 99), unit: 'ms' });
  figures.push({
    metric: `recall@10 (images) of approximate vs exact search over ${label}`,
    value: recall,
    unit: '',
    baseline: 'exact search, same generation',
    target: '≥ 0.95',
    met: recall >= 0.95,
  });
  figures.push({
    metric: `bytes of the float32 store plus the HNSW index file (i8 vectors and graph) at ${label}, / raw vector bytes`,
    value: (store.bytes + annBytes) / (N_ANN * DIMS * 4),
    unit: '×',
    baseline: `raw ${((N_ANN * DIMS * 4) / 2 ** 20).toFixed(0)} MiB`,
  });
}

// --------------------------------------------------------------- main

async function main(): Promise<void> {
  if (process.argv[2] === '--child-restore') return childRestore(process.argv[3]);
  const figures: Figure[] = [];
  const started = Date.now();
  // --part=exact or --part=ann runs one half (for iterating); pnpm bench runs both.
  const part = process.argv.find((a) => a.startsWith('--part='))?.slice('--part='.length);
  if (part !== 'ann') await exactPart(figures);
  if (part !== 'exact') await annPart(figures);
  const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));
  console.log(`\n| figure | value | baseline | ratio | target | met |\n| --- | --- | --- | --- | --- | --- |`);
  for (const f of figures) {
    console.log(
      `| ${f.metric} | ${fmt(f.value)} ${f.unit} | ${f.baseline ?? ''} | ${f.ratio === undefined ? '' : fmt(f.ratio)} | ${f.target ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : 'no'} |`,
    );
  }
  if (part) return;
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(
    OUT,
    `${JSON.stringify(
      {
        suite: 'search',
        quick: QUICK,
        command: `npx tsx services/search/bench/search.bench.ts${QUICK ? ' --quick' : ''}`,
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg()[0].toFixed(1)} at the end`,
        node: process.version,
        seconds: Math.round((Date.now() - started) / 1000),
        date: new Date().toISOString(),
        figures,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(REPO_ROOT, OUT)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
