/**
 * End-to-end benchmarks through the gateway, each against the same work done in one process in
 * the same run (see in-process.ts):
 *
 * 1. Text → images: autocannon POSTs /v1/search/text (k 5, threshold 0, distinct dataset captions
 *    as queries) at each concurrency for a bounded time; the baseline runs the same queries through
 *    Embedder.embed + SearchIndex.query in closed loops of the same concurrency. Gateway and
 *    in-process slices alternate (A/B, B/A, …) so drifting machine load hits both alike.
 *    Target: gateway throughput ≥ 0.8 × in-process.
 * 2. Image → text: a 500×375 JPEG per request (all different: no cache hits), one request at a time,
 *    POST /v1/search/image vs in-process caption + embed + search + BLEU, alternating per image.
 *    Target: per-request time ≤ 1.1 × in-process. Stage shares come from the gateway's `timings`.
 * 3. The original app's approach: re-encode every dataset caption for each query (as the Streamlit
 *    app did), measured on N captions with the same embedder in-process and extrapolated to the
 *    collection when N is smaller; compared with one query here (gateway, concurrency 1, p50).
 *
 * The collection: Flickr8k's 40,455 captions (or as many generated ones) with synthetic vectors,
 * committed as a search snapshot the search process restores at start-up (exact search: it is
 * under the approximate-index threshold, as Flickr8k is in production).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@tit/kit';
import { DEFAULT_EMBEDDER_MODEL, readModelSpec } from '@tit/embedder/src/domain/model-files';
import { ensureFixtureModels, MINILM_MODEL_ID, VIT_GPT2_MODEL_ID } from '../../fixtures';
import { compare, machineLine, saveResult, type Figure, type LoadSummary } from '../figures';
import { LoadMonitor, processTicks } from '../load-monitor';
import { median, round, sum } from '../stats';
import { FLICKR8K_CAPTIONS, loadCaptions, sampleTexts, writeCaptionSnapshot, type CaptionSet } from './dataset';
import { InProcessPipeline, startCaptioner, startEmbedder, startSearch, type ImageStages } from './in-process';
import { makeJpegs } from './jpeg';
import { closedLoop, httpLoad, type LoadResult } from './load';
import { startBenchSystem } from './run-system';

export interface EndToEndOptions {
  modelsDir: string;
  /** Concurrency levels of the text benchmark. */
  concurrencies: readonly number[];
  /** Seconds of each gateway or in-process slice. */
  seconds: number;
  /** A/B rounds per concurrency (medians are reported). */
  rounds: number;
  /** Image requests per side (0 skips the image benchmark and the captioner). */
  images: number;
  /** Captions re-encoded to measure the original approach (0 skips it). */
  originalTexts: number;
  /** Captioning model (default ViT-GPT2, the containers' default). */
  captionModel?: string;
  /** Captions in the collection (default: the whole Flickr8k caption file, or 40,455 generated). */
  captionSet?: CaptionSet;
  /** Extra environment for the processes and the in-process baseline. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** CPU seconds per request of each process (and of the in-process baseline), from /proc ticks. */
export type CpuPerRequest = Record<string, number>;

export interface TextRow {
  concurrency: number;
  /** CPU seconds per request by process through the gateway, and of the in-process baseline. */
  cpuPerRequest: CpuPerRequest;
  gateway: LoadResult[];
  inProcess: LoadResult[];
  gatewayPerSecond: number;
  inProcessPerSecond: number;
  ratio: number;
  gatewayP50Ms: number;
  gatewayP99Ms: number;
  inProcessP50Ms: number;
  inProcessP99Ms: number;
}

export interface ImageSummary {
  /** CPU seconds per image request by process through the gateway, and of the in-process baseline. */
  cpuPerRequest: CpuPerRequest;
  requests: number;
  gatewayMs: number;
  inProcessMs: number;
  ratio: number;
  /** Share of the gateway's per-request time per stage (sums to 1). */
  gatewayShares: Record<string, number>;
  /** Mean ms per stage through the gateway and in-process. */
  gatewayStagesMs: Record<string, number>;
  inProcessStagesMs: Record<string, number>;
  captions: string[];
  jpegBytes: number;
}

export interface OriginalSummary {
  measuredTexts: number;
  measuredSeconds: number;
  textsPerSecond: number;
  collection: number;
  extrapolated: boolean;
  /** Seconds one query costs the original way (re-encode the collection + one exact search). */
  perQuerySeconds: number;
  /** One query here: gateway, concurrency 1, p50. */
  hereMs: number;
  speedup: number;
}

export interface EndToEndResult {
  figures: Figure[];
  notes: string[];
  text: TextRow[];
  image: ImageSummary | null;
  original: OriginalSummary | null;
  collection: { captions: number; images: number; source: string; dimensions: number; model: string };
  load: Record<string, unknown>;
}

type Proc = 'gateway' | 'embedder' | 'search' | 'captioner';

/** Counts the CPU ticks of the named processes between start() and stop(). */
function cpuMeter(pids: Partial<Record<Proc, number>>): () => Record<string, number> {
  const before = Object.entries(pids).map(([n, pid]) => [n, pid, processTicks(pid) ?? 0] as const);
  return () => Object.fromEntries(before.map(([n, pid, t0]) => [n, ((processTicks(pid) ?? t0) - t0) / 100]));
}

const addInto = (acc: Record<string, number>, x: Record<string, number>): void => {
  for (const [k, v] of Object.entries(x)) acc[k] = (acc[k] ?? 0) + v;
};

const IMAGE_STAGES = ['decode', 'preprocess', 'encode', 'generate', 'caption hop', 'embed', 'search', 'bleu', 'gateway + HTTP'] as const;

interface GatewayImageResponse {
  caption: string;
  cached?: boolean;
  timings: Record<string, number>;
}

async function postImage(url: string, jpeg: Buffer, model: string): Promise<{ wallMs: number; body: GatewayImageResponse }> {
  const form = new FormData();
  form.append('image', new Blob([jpeg], { type: 'image/jpeg' }), 'bench.jpg');
  form.append('k', '5');
  if (model) form.append('model', model);
  const t = performance.now();
  const res = await fetch(`${url}/v1/search/image`, { method: 'POST', body: form });
  const text = await res.text();
  const wallMs = performance.now() - t;
  if (!res.ok) throw new Error(`POST /v1/search/image answered ${res.status}: ${text.slice(0, 300)}`);
  return { wallMs, body: JSON.parse(text) as GatewayImageResponse };
}

export async function runEndToEnd(o: EndToEndOptions): Promise<EndToEndResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const set = o.captionSet ?? loadCaptions(FLICKR8K_CAPTIONS);
  const spec = readModelSpec(o.modelsDir, DEFAULT_EMBEDDER_MODEL, 'model.onnx');
  const captionModel = o.captionModel ?? VIT_GPT2_MODEL_ID;
  const snapDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-bench-e2e-'));
  const figures: Figure[] = [];
  const notes: string[] = [];
  const load: Record<string, unknown> = {};
  log(`collection: ${set.count} captions of ${set.images.length} images (${set.source}), ${spec.dimensions}-dim synthetic vectors`);
  await writeCaptionSnapshot(snapDir, set, spec.id, spec.dimensions);

  const withImages = o.images > 0;
  log(`starting search, embedder${withImages ? ', captioner' : ''} and gateway...`);
  const sys = await startBenchSystem({
    only: withImages ? ['search', 'embedder', 'captioner', 'gateway'] : ['search', 'embedder', 'gateway'],
    modelsDir: o.modelsDir,
    env: { SEARCH_SNAPSHOT_DIR: snapDir, CAPTIONER_MODELS: captionModel, ...o.env },
  });
  let pipeline: InProcessPipeline | null = null;
  try {
    pipeline = InProcessPipeline.of(await startEmbedder(sys.env), await startSearch(sys.env), null);
    const p = pipeline;

    // ------------------------------------------------------------ text
    const queries = sampleTexts(set, 500);
    const bodies = queries.map((q) => JSON.stringify({ query: q, k: 5, threshold: 0 }));
    const url = `${sys.gatewayUrl}/v1/search/text`;
    const pids: Partial<Record<Proc, number>> = {
      gateway: sys.system.pid('gateway'),
      embedder: sys.system.pid('embedder'),
      search: sys.system.pid('search'),
    };
    let gwCpu: Record<string, number> = {};
    let ipCpu = 0;
    const gw = async (c: number, s: number): Promise<LoadResult> => {
      const meter = cpuMeter(pids);
      const r = await httpLoad({ url, connections: c, seconds: s, bodies });
      addInto(gwCpu, meter());
      return r;
    };
    const ip = async (c: number, s: number): Promise<LoadResult> => {
      const c0 = process.cpuUsage();
      const r = await closedLoop({ concurrency: c, seconds: s, op: (i) => p.textQuery(queries[i % queries.length], 5, 0) });
      const d = process.cpuUsage(c0);
      ipCpu += (d.user + d.system) / 1e6;
      return r;
    };
    // Warm-up: JIT, connection pools, ORT arenas on both sides.
    await gw(4, Math.min(2, o.seconds));
    await ip(4, Math.min(2, o.seconds));
    let monitor = new LoadMonitor(() => sys.pids());
    const text: TextRow[] = [];
    for (const c of o.concurrencies) {
      const g: LoadResult[] = [];
      const i: LoadResult[] = [];
      gwCpu = {};
      ipCpu = 0;
      for (let r = 0; r < o.rounds; r++) {
        if (r % 2 === 0) {
          g.push(await gw(c, o.seconds));
          i.push(await ip(c, o.seconds));
        } else {
          i.push(await ip(c, o.seconds));
          g.push(await gw(c, o.seconds));
        }
      }
      const errors = sum(g.map((x) => x.errors)) + sum(i.map((x) => x.errors));
      if (errors > 0) notes.push(`text c=${c}: ${errors} failed requests (counted out of throughput)`);
      const gDone = sum(g.map((x) => x.completed));
      const iDone = sum(i.map((x) => x.completed));
      const cpuPerRequest: CpuPerRequest = Object.fromEntries(Object.entries(gwCpu).map(([k, v]) => [k, v / Math.max(1, gDone)]));
      cpuPerRequest['all processes'] = sum(Object.values(cpuPerRequest));
      cpuPerRequest['in-process'] = ipCpu / Math.max(1, iDone);
      const row: TextRow = {
        concurrency: c,
        cpuPerRequest,
        gateway: g,
        inProcess: i,
        gatewayPerSecond: median(g.map((x) => x.perSecond)),
        inProcessPerSecond: median(i.map((x) => x.perSecond)),
        ratio: 0,
        gatewayP50Ms: median(g.map((x) => x.p50Ms)),
        gatewayP99Ms: median(g.map((x) => x.p99Ms)),
        inProcessP50Ms: median(i.map((x) => x.p50Ms)),
        inProcessP99Ms: median(i.map((x) => x.p99Ms)),
      };
      row.ratio = row.gatewayPerSecond / row.inProcessPerSecond;
      text.push(row);
      log(
        `text c=${c}: gateway ${row.gatewayPerSecond.toFixed(1)}/s p50 ${row.gatewayP50Ms.toFixed(1)} ms p99 ${row.gatewayP99Ms.toFixed(1)} ms · ` +
          `in-process ${row.inProcessPerSecond.toFixed(1)}/s p50 ${row.inProcessP50Ms.toFixed(1)} ms · ratio ${row.ratio.toFixed(3)}`,
      );
      figures.push(
        compare(
          `text queries through the gateway, concurrency ${c}: throughput vs the same work in one process (embed + search)`,
          round(row.gatewayPerSecond, 2),
          'req/s',
          round(row.inProcessPerSecond, 2),
          `in-process ${row.inProcessPerSecond.toFixed(1)} req/s`,
          { op: '>=', bound: 0.8 },
        ),
        compare(
          `text queries, concurrency ${c}: gateway p50 (p99 ${row.gatewayP99Ms.toFixed(1)} ms) vs in-process p50 (p99 ${row.inProcessP99Ms.toFixed(1)} ms)`,
          round(row.gatewayP50Ms, 2),
          'ms',
          round(row.inProcessP50Ms, 2),
          `in-process p50 ${row.inProcessP50Ms.toFixed(1)} ms`,
        ),
      );
    }
    const busiest = text.at(-1);
    if (busiest) {
      const c = busiest.cpuPerRequest;
      figures.push(
        compare(
          `CPU per text query at concurrency ${busiest.concurrency}: gateway + embedder + search processes (${['gateway', 'embedder', 'search']
            .map((k) => `${k} ${((c[k] ?? 0) * 1000).toFixed(1)} ms`)
            .join(', ')}) vs in-process`,
          round((c['all processes'] ?? 0) * 1000, 2),
          'CPU ms',
          round((c['in-process'] ?? 0) * 1000, 2),
          `in-process ${((c['in-process'] ?? 0) * 1000).toFixed(1)} CPU ms`,
        ),
        // On a machine whose cores the benchmark does not get to itself, more processes get more
        // of the cores, so the measured throughput ratio flatters the system; CPU-bound on
        // dedicated cores, throughput is inversely proportional to CPU per query.
        compare(
          `text queries at concurrency ${busiest.concurrency}, CPU-bound estimate: throughput ratio on dedicated cores = in-process CPU per query / system CPU per query`,
          round((c['in-process'] ?? 0) / (c['all processes'] || 1), 3),
          '',
          1,
          'the same CPU per query as in one process',
          { op: '>=', bound: 0.8 },
        ),
      );
    }
    load.text = monitor.stop();

    // ------------------------------------------------------------ image
    let image: ImageSummary | null = null;
    if (withImages) {
      monitor = new LoadMonitor(() => sys.pids());
      log(`image queries: ${o.images} per side, 500x375 JPEGs, model ${captionModel}`);
      const captioner = await startCaptioner(sys.env);
      const ipi = InProcessPipeline.of(p.embedder, p.index, captioner);
      try {
        const jpegs = await makeJpegs(o.images + 1, 3);
        // Warm-up on both sides with an image not measured afterwards.
        await postImage(sys.gatewayUrl, jpegs[0], captionModel);
        await ipi.imageQuery(jpegs[0], 5);
        const imgPids: Partial<Record<Proc, number>> = { ...Object.fromEntries(['gateway', 'embedder', 'search', 'captioner'].map((n) => [n, sys.system.pid(n as Proc)])) };
        const imgCpu: Record<string, number> = {};
        let ipImgCpu = 0;
        const gwStages: Array<Record<string, number>> = [];
        const ipStages: ImageStages[] = [];
        const gwWall: number[] = [];
        const captions: string[] = [];
        for (let k = 1; k <= o.images; k++) {
          const runGw = async (): Promise<void> => {
            const meter = cpuMeter(imgPids);
            const { wallMs, body } = await postImage(sys.gatewayUrl, jpegs[k], captionModel);
            addInto(imgCpu, meter());
            if (body.cached) notes.push(`image ${k}: the captioner answered from its cache`);
            const t = body.timings;
            const inner = (t.decodeMs ?? 0) + (t.preprocessMs ?? 0) + (t.encodeMs ?? 0) + (t.generateMs ?? 0);
            const hops = (t.captionMs ?? 0) + (t.embedMs ?? 0) + (t.searchMs ?? 0) + (t.bleuMs ?? 0);
            gwStages.push({
              decode: t.decodeMs ?? 0,
              preprocess: t.preprocessMs ?? 0,
              encode: t.encodeMs ?? 0,
              generate: t.generateMs ?? 0,
              'caption hop': Math.max(0, (t.captionMs ?? 0) - inner),
              embed: t.embedMs ?? 0,
              search: t.searchMs ?? 0,
              bleu: t.bleuMs ?? 0,
              'gateway + HTTP': Math.max(0, wallMs - hops),
            });
            gwWall.push(wallMs);
            captions.push(body.caption);
          };
          const runIp = async (): Promise<void> => {
            const c0 = process.cpuUsage();
            ipStages.push((await ipi.imageQuery(jpegs[k], 5)).stages);
            const d = process.cpuUsage(c0);
            ipImgCpu += (d.user + d.system) / 1e6;
          };
          if (k % 2) {
            await runGw();
            await runIp();
          } else {
            await runIp();
            await runGw();
          }
          log(`  image ${k}: gateway ${gwWall.at(-1)!.toFixed(0)} ms, in-process ${ipStages.at(-1)!.totalMs.toFixed(0)} ms`);
        }
        const mean = (xs: number[]): number => sum(xs) / xs.length;
        const gatewayStagesMs = Object.fromEntries(IMAGE_STAGES.map((s) => [s, round(mean(gwStages.map((x) => x[s] ?? 0)), 2)]));
        const totalGw = sum(gwWall);
        const gatewayShares = Object.fromEntries(IMAGE_STAGES.map((s) => [s, round(sum(gwStages.map((x) => x[s] ?? 0)) / totalGw, 4)]));
        const inProcessStagesMs = {
          decode: round(mean(ipStages.map((x) => x.decodeMs)), 2),
          preprocess: round(mean(ipStages.map((x) => x.preprocessMs)), 2),
          encode: round(mean(ipStages.map((x) => x.encodeMs)), 2),
          generate: round(mean(ipStages.map((x) => x.generateMs)), 2),
          'caption other': round(mean(ipStages.map((x) => x.captionMs - x.decodeMs - x.preprocessMs - x.encodeMs - x.generateMs)), 2),
          embed: round(mean(ipStages.map((x) => x.embedMs)), 2),
          search: round(mean(ipStages.map((x) => x.searchMs)), 2),
          bleu: round(mean(ipStages.map((x) => x.bleuMs)), 2),
        };
        const gwMs = median(gwWall);
        const ipMs = median(ipStages.map((x) => x.totalMs));
        const cpuPerRequest: CpuPerRequest = Object.fromEntries(Object.entries(imgCpu).map(([k, v]) => [k, v / o.images]));
        cpuPerRequest['all processes'] = sum(Object.values(cpuPerRequest));
        cpuPerRequest['in-process'] = ipImgCpu / o.images;
        image = {
          cpuPerRequest,
          requests: o.images,
          gatewayMs: round(gwMs, 1),
          inProcessMs: round(ipMs, 1),
          ratio: gwMs / ipMs,
          gatewayShares,
          gatewayStagesMs,
          inProcessStagesMs,
          captions: captions.slice(0, 3),
          jpegBytes: Math.round(mean(jpegs.map((j) => j.length))),
        };
        figures.push(
          compare(
            `image queries (500×375 JPEG, ${captionModel}): per-request time through the gateway vs in-process caption + embed + search + BLEU (median of ${o.images})`,
            round(gwMs, 1),
            'ms',
            round(ipMs, 1),
            `in-process ${ipMs.toFixed(0)} ms`,
            { op: '<=', bound: 1.1 },
          ),
        );
        figures.push(
          compare(
            `CPU per image query: all processes (captioner ${(cpuPerRequest.captioner * 1000).toFixed(0)} ms) vs in-process`,
            round(cpuPerRequest['all processes'] * 1000, 1),
            'CPU ms',
            round(cpuPerRequest['in-process'] * 1000, 1),
            `in-process ${(cpuPerRequest['in-process'] * 1000).toFixed(0)} CPU ms`,
          ),
        );
        for (const s of IMAGE_STAGES) {
          figures.push({ metric: `image query stage share through the gateway: ${s}`, value: round(gatewayShares[s] * 100, 2), unit: '%' });
        }
      } finally {
        await captioner.close();
      }
      load.image = monitor.stop();
    }

    // --------------------------------------------------------- original
    let original: OriginalSummary | null = null;
    if (o.originalTexts > 0) {
      monitor = new LoadMonitor(() => sys.pids());
      const all = set.images.flatMap((im) => im.captions);
      const n = Math.min(o.originalTexts, all.length);
      const texts = sampleTexts(set, n);
      log(`original approach: re-encoding ${n} of ${all.length} captions in-process...`);
      await p.embedder.embed(texts.slice(0, 64), '');
      const t = performance.now();
      for (let k = 0; k < texts.length; k += 256) await p.embedder.embed(texts.slice(k, k + 256), '');
      const measuredSeconds = (performance.now() - t) / 1000;
      const textsPerSecond = n / measuredSeconds;
      // Plus one exact search over the collection (the original's cosine over all captions).
      const probe = await p.embedder.embed([texts[0]], '');
      const searchTimes: number[] = [];
      for (let k = 0; k < 21; k++) {
        const s0 = performance.now();
        p.search(probe.vectors[0], probe.model.id, texts[0], 5, 0);
        searchTimes.push(performance.now() - s0);
      }
      const searchMs = median(searchTimes);
      const perQuerySeconds = all.length / textsPerSecond;
      const hereMs = text.find((r) => r.concurrency === 1)?.gatewayP50Ms ?? text[0]?.gatewayP50Ms ?? Number.NaN;
      original = {
        measuredTexts: n,
        measuredSeconds: round(measuredSeconds, 3),
        textsPerSecond: round(textsPerSecond, 1),
        collection: all.length,
        extrapolated: n < all.length,
        perQuerySeconds: round(perQuerySeconds + searchMs / 1000, 3),
        hereMs,
        speedup: (perQuerySeconds * 1000 + searchMs) / hereMs,
      };
      figures.push(
        compare(
          `original approach (re-encode all ${all.length.toLocaleString('en')} captions per query, as the Streamlit app did): seconds per query${
            original.extrapolated ? `, extrapolated from ${n} captions at ${textsPerSecond.toFixed(0)} captions/s` : ''
          }, vs one query here (gateway, concurrency 1, p50)`,
          original.perQuerySeconds,
          's',
          hereMs / 1000,
          `here ${hereMs.toFixed(1)} ms`,
        ),
      );
      if (original.extrapolated) {
        notes.push(
          `original approach: ${all.length} captions were not re-encoded for real (that takes ~${perQuerySeconds.toFixed(0)} s a query here); ` +
            `${n} were, and the per-caption cost was extrapolated linearly (encoding is batch-by-batch, so linear in the caption count).`,
        );
      }
      log(`  ${textsPerSecond.toFixed(1)} captions/s → ${original.perQuerySeconds.toFixed(1)} s per query; here ${hereMs.toFixed(1)} ms: ${original.speedup.toFixed(0)}× faster`);
      load.original = monitor.stop();
    }

    return {
      figures,
      notes,
      text,
      image,
      original,
      collection: { captions: set.count, images: set.images.length, source: set.source, dimensions: spec.dimensions, model: spec.id },
      load,
    };
  } finally {
    await pipeline?.close();
    await sys.stop();
    fs.rmSync(snapDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ CLI

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const started = Date.now();
  const modelsDir = path.join(REPO_ROOT, '.models/fixtures-full');
  console.log('full-size replicas (random weights): all-MiniLM-L6-v2 and ViT-GPT2, built on first use into .models/fixtures-full');
  await ensureFixtureModels(modelsDir, 'full', {
    models: [MINILM_MODEL_ID, VIT_GPT2_MODEL_ID],
    onProgress: (e) => console.log(`  ${e.modelId}: ${e.status}${e.ms ? ` in ${(e.ms / 1000).toFixed(0)} s` : ''}`),
  });
  const r = await runEndToEnd({
    modelsDir,
    concurrencies: [1, 8, 32],
    seconds: quick ? 2 : 6,
    rounds: quick ? 1 : 3,
    images: quick ? 2 : 6,
    originalTexts: quick ? 256 : 2048,
  });
  const phases = Object.values(r.load) as LoadSummary[];
  const shares = phases.map((l) => l.foreignCpuShare).filter((x): x is number => x !== null);
  saveResult({
    suite: 'end-to-end',
    quick,
    command: `pnpm bench --only=end-to-end${quick ? ' --quick' : ''} (npx tsx tools/src/bench/system/end-to-end.ts${quick ? ' --quick' : ''})`,
    machine: machineLine(),
    node: process.version,
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    load: {
      loadAverage: [phases[0]?.loadAverage[0] ?? 0, phases.at(-1)?.loadAverage[1] ?? 0],
      foreignCpuShare: shares.length ? round(sum(shares) / shares.length, 3) : null,
    },
    figures: r.figures,
    notes: r.notes,
    details: { collection: r.collection, text: r.text, image: r.image, original: r.original, load: r.load },
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
