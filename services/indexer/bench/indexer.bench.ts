/**
 * Indexer benchmark: `npx tsx services/indexer/bench/indexer.bench.ts [--quick] [--dataset DIR]`.
 *
 * Indexes the Flickr8k captions (all 40,455; `--quick`: the first 1,024) through the whole
 * re-index path and compares its captions per second with raw batched embedding in-process,
 * measured in the same run on the same model:
 * - baseline: the embedder's own domain object (`Embedder.embed`, tokenizer + ONNX + pooling) on
 *   sequential batches, no gRPC, no queue, no index; the better of batch 32 and 128 counts. It
 *   runs over an even spread of at most 4,096 of the captions (it is a rate);
 * - indexing: the production topology: the search, embedder and indexer services started as their
 *   own processes (as `pnpm start` does), a job enqueued on BullMQ (real Redis); the indexer reads
 *   the dataset, hashes the images, embeds through the embedder's gRPC batch API, streams into the
 *   search service and commits. Wall time from enqueue to completion.
 * The baseline runs before and after each indexing pass and their mean counts for that pass, so
 * drifting load on a shared machine hits both alike; `--quick` runs 3 such rounds and reports the
 * median. Target: indexing >= 0.85 x baseline.
 *
 * Model: the real all-MiniLM-L6-v2 when `.models/sentence-transformers/all-MiniLM-L6-v2` exists,
 * otherwise the full-size fixture (same architecture and cost, random weights) built into
 * `.models/fixtures-full`. Dataset: `--dataset DIR`, else ../shared/datasets/flickr8k-full; the
 * bench skips (exit 0) with a message when neither holds Flickr8k or Redis does not answer.
 * Prints a markdown table and writes docs/bench/indexer.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import {
  checkHealth,
  enqueueReindex,
  getReindexJob,
  openReindexQueue,
  REPO_ROOT,
  type ReindexJobView,
} from '@tit/kit';
import { loadServiceConfig as loadEmbedderConfig } from '@tit/embedder/src/config';
import { Embedder } from '@tit/embedder/src/domain/embedder';
import { readModelSpec } from '@tit/embedder/src/domain/model-files';
import { ensureFixtureModels, MINILM_MODEL_ID } from '@tit/tools/src/fixtures';
import { freePort } from '@tit/tools/src/start/local-env';
import { PROCESSES, spawnProcess } from '@tit/tools/src/start/processes';
import { readDataset } from '../src/domain/dataset';
import { DEFAULT_SETTINGS } from '../src/domain/reindex-job';

const QUICK = process.argv.includes('--quick');
const N_QUICK = 1024;
const ROUNDS = QUICK ? 3 : 1;
const BASELINE_TEXTS = 4096;
const TARGET = 0.85;
const argDataset = process.argv.indexOf('--dataset') >= 0 ? process.argv[process.argv.indexOf('--dataset') + 1] : undefined;
const DATASET = path.resolve(argDataset ?? path.join(REPO_ROOT, '../shared/datasets/flickr8k-full'));
const REDIS_URL = 'redis://127.0.0.1:6379';
const now = (): number => performance.now();

function skip(why: string): never {
  console.log(`indexer bench skipped: ${why}`);
  process.exit(0);
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** The dataset to index: all of it, or (quick) a Kaggle-layout copy of its first captions that links the same images. */
function subset(dir: string, n: number): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-'));
  const lines = fs.readFileSync(path.join(dir, 'captions.txt'), 'utf8').split('\n');
  fs.writeFileSync(path.join(out, 'captions.txt'), `${lines.slice(0, n + 1).join('\n')}\n`);
  fs.symlinkSync(path.join(dir, 'Images'), path.join(out, 'Images'));
  return out;
}

async function main(): Promise<void> {
  console.log(`indexer bench${QUICK ? ' (quick)' : ''}: ${os.cpus().length} CPUs, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (!fs.existsSync(path.join(DATASET, 'captions.txt')) || !fs.existsSync(path.join(DATASET, 'Images'))) {
    skip(`no Flickr8k in Kaggle layout at ${DATASET} (pass --dataset DIR, or pnpm dataset pull flickr8k)`);
  }
  if (!(await redisAnswers(REDIS_URL))) skip(`no Redis at ${REDIS_URL}`);

  const realModels = path.join(REPO_ROOT, '.models');
  const real = fs.existsSync(path.join(realModels, MINILM_MODEL_ID, 'onnx', 'model.onnx'));
  const modelsDir = real ? realModels : path.join(REPO_ROOT, '.models', 'fixtures-full');
  if (!real) await ensureFixtureModels(modelsDir, 'full', { models: [MINILM_MODEL_ID] });
  const modelNote = real ? `${MINILM_MODEL_ID} (real weights)` : `${MINILM_MODEL_ID} full-size fixture (random weights)`;

  const dir = QUICK ? subset(DATASET, N_QUICK) : DATASET;
  const ds = await readDataset(dir);
  const texts = ds.captions.map((c) => c.text);
  console.log(`dataset ${DATASET}: ${texts.length} captions of ${ds.images.length} images; model ${modelNote}`);

  const ecfg = loadEmbedderConfig({ MODELS_DIR: modelsDir, LOG_LEVEL: 'silent' });
  const embedder = new Embedder(
    [readModelSpec(modelsDir, MINILM_MODEL_ID, ecfg.EMBEDDER_ONNX_FILE)],
    { maxTexts: ecfg.EMBEDDER_MAX_TEXTS, maxChars: ecfg.EMBEDDER_MAX_CHARS },
    {
      maxBatch: ecfg.EMBEDDER_MAX_BATCH,
      maxBatchTokens: ecfg.EMBEDDER_MAX_BATCH_TOKENS,
      maxWaitMs: ecfg.EMBEDDER_MAX_WAIT_MS,
      queueLimit: ecfg.EMBEDDER_QUEUE_LIMIT,
    },
    { intraOp: ecfg.EMBEDDER_INTRA_OP_THREADS, interOp: ecfg.EMBEDDER_INTER_OP_THREADS, spinning: ecfg.EMBEDDER_INTRA_OP_SPINNING },
  );
  await embedder.start();

  // Baseline: raw batched embedding in this process, over an even spread of at most
  // BASELINE_TEXTS captions (a rate; embedding all 40k three more times would add nothing).
  const step = Math.max(1, Math.floor(texts.length / BASELINE_TEXTS));
  const sample = texts.filter((_, i) => i % step === 0).slice(0, BASELINE_TEXTS);
  const rawPass = async (batch: number): Promise<number> => {
    const t0 = now();
    for (let i = 0; i < sample.length; i += batch) await embedder.embed(sample.slice(i, i + batch), '');
    return (sample.length / (now() - t0)) * 1000;
  };
  const baselineBatches = [ecfg.EMBEDDER_MAX_BATCH, DEFAULT_SETTINGS.embedBatch];
  const before: Record<string, number> = {};
  for (const b of baselineBatches) {
    before[b] = await rawPass(b);
    console.log(`  raw Embedder.embed, batch ${b}: ${before[b].toFixed(0)} captions/s`);
  }
  const bestBatch = Number(Object.entries(before).sort((a, b) => b[1] - a[1])[0][0]);

  // The system as separate processes, like production: search, embedder, indexer.
  const ports = { search: await freePort(), embedder: await freePort(), indexer: await freePort() };
  const snapshots = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-search-'));
  const queueName = `bench-reindex-${Date.now().toString(36)}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    GRPC_HOST: '127.0.0.1',
    SEARCH_PORT: String(ports.search),
    EMBEDDER_PORT: String(ports.embedder),
    INDEXER_PORT: String(ports.indexer),
    SEARCH_ADDR: `127.0.0.1:${ports.search}`,
    EMBEDDER_ADDR: `127.0.0.1:${ports.embedder}`,
    CAPTIONER_ADDR: '127.0.0.1:1',
    MODELS_DIR: modelsDir,
    REDIS_URL,
    SEARCH_SNAPSHOT_DIR: snapshots,
    SEARCH_NOTIFY: 'false',
    INDEXER_QUEUE: queueName,
    INDEXER_INDEX_ON_START: 'false',
  };
  const children = (['search', 'embedder', 'indexer'] as const).map((name) => {
    const spec = PROCESSES.find((p) => p.name === name);
    if (!spec) throw new Error(`no process spec for ${name}`);
    const child = spawnProcess(spec, env);
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d.toString()}`));
    return { name, child };
  });
  const stopChildren = async (): Promise<void> => {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    const until = Date.now() + 300_000;
    for (const [name, port] of Object.entries(ports)) {
      while ((await checkHealth(`127.0.0.1:${port}`)) !== 'SERVING') {
        if (Date.now() > until) throw new Error(`${name} did not become SERVING`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (err) {
    await stopChildren();
    throw err;
  }
  const queue = openReindexQueue(REDIS_URL, { name: queueName });

  // Interleaved rounds: index, then baseline again; each round's ratio uses the baselines measured
  // right before and after it, and the median round is reported (load on a shared machine drifts).
  const rounds: Array<{ captions: number; seconds: number; rate: number; baseline: number; ratio: number }> = [];
  let prevBase = before[bestBatch];
  let view: ReindexJobView | undefined;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = now();
      const { jobId } = await enqueueReindex(queue, { dataset: dir, requestedBy: 'bench' });
      for (;;) {
        view = await getReindexJob(queue, jobId);
        if (view && (view.state === 'completed' || view.state === 'failed')) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      const ms = now() - t0;
      if (view.state !== 'completed' || !view.result) throw new Error(`the bench job failed: ${view.error}`);
      const rate = (view.result.captions / ms) * 1000;
      const base = await rawPass(bestBatch);
      const baseline = (prevBase + base) / 2;
      prevBase = base;
      rounds.push({ captions: view.result.captions, seconds: +(ms / 1000).toFixed(2), rate: +rate.toFixed(1), baseline: +baseline.toFixed(1), ratio: +(rate / baseline).toFixed(3) });
      console.log(`  round ${r + 1}/${ROUNDS}: indexing ${view.result.captions} captions in ${(ms / 1000).toFixed(1)} s = ${rate.toFixed(0)} captions/s; raw batch ${bestBatch} after: ${base.toFixed(0)} captions/s; ratio ${(rate / baseline).toFixed(3)}`);
    }
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await stopChildren();
    fs.rmSync(snapshots, { recursive: true, force: true });
  }
  const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)];
  const indexed = median.captions;
  const indexRate = median.rate;
  const baseline = median.baseline;
  const ratio = median.ratio;

  await embedder.close();
  if (QUICK) fs.rmSync(dir, { recursive: true, force: true });

  const figure = {
    metric: `indexing throughput (enqueue to commit) vs raw batched Embedder.embed in-process (batch ${bestBatch})${ROUNDS > 1 ? `, median of ${ROUNDS} rounds` : ''}`,
    value: +indexRate.toFixed(1),
    unit: 'captions/s',
    baseline: `${baseline.toFixed(1)} captions/s`,
    ratio: +ratio.toFixed(3),
    target: `>= ${TARGET}`,
    met: ratio >= TARGET,
  };
  console.log('\n| metric | value | baseline | ratio | target | met |\n|---|---|---|---|---|---|');
  console.log(`| ${figure.metric} | ${figure.value} ${figure.unit} | ${figure.baseline} | ${figure.ratio} | ${figure.target} | ${figure.met ? 'yes' : 'no'} |`);
  const out = path.join(REPO_ROOT, 'docs/bench/indexer.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      {
        command: `npx tsx services/indexer/bench/indexer.bench.ts${QUICK ? ' --quick' : ''}`,
        date: new Date().toISOString(),
        machine: `${os.cpus().length} x ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'CPU'}, Node ${process.version}`,
        loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
        model: modelNote,
        dataset: { dir: DATASET, captions: indexed, images: ds.images.length, quick: QUICK },
        settings: { chunkSize: DEFAULT_SETTINGS.chunkSize, embedBatch: DEFAULT_SETTINGS.embedBatch, prefetchChunks: DEFAULT_SETTINGS.prefetch, embedderMaxBatch: ecfg.EMBEDDER_MAX_BATCH },
        baselineTexts: sample.length,
        rawCaptionsPerSecondBefore: Object.fromEntries(Object.entries(before).map(([b, r]) => [`batch ${b}`, +r.toFixed(1)])),
        rounds,
        figures: [figure],
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(REPO_ROOT, out)}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
