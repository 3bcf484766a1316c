/**
 * Measures the resident memory of the processes the Kubernetes resource requests are sized from:
 * each is started from source as in the images (`node [flags] --import tsx <entry>`), loaded with typical
 * work, and read from /proc (VmRSS now, VmHWM = peak). Prints a markdown table.
 *
 *   npx tsx tests/deploy/support/measure-rss.ts [--captioner]
 *
 * Models are fixture replicas with the real architectures' shapes and random weights (the same
 * tensor sizes, hence the same memory, as the real weights): all-MiniLM-L6-v2 and, with --captioner,
 * ViT-GPT2 (ViT-B/16 + GPT-2 small). Search holds 40,455 x 384 vectors, the size of Flickr8k.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import {
  REPO_ROOT,
  createClient,
  loadCaptionerProto,
  loadEmbedderProto,
  loadSearchProto,
  unaryCall,
} from '@tit/kit';
import { buildEmbedderFixture, buildVitGpt2Fixture } from '@tit/tools/src/fixtures';
import { freePort } from '../../support/test-system';
import { ServiceProcess } from './service-process';

interface Row {
  process: string;
  models: string;
  load: string;
  idleMiB: number;
  peakMiB: number;
}

const mib = (kb: number): number => Math.round(kb / 1024);
function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  health: { grpc: string } | { http: string },
  work: () => Promise<string>,
  models = '',
): Promise<Row> {
  const p = new ServiceProcess(name, entry, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    ...env,
  });
  try {
    if ('grpc' in health) await p.waitServing(health.grpc, 300_000);
    else
      for (let i = 0; ; i++) {
        const ok = await fetch(health.http).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (i > 600) throw new Error(`${name} not healthy`);
        await sleep(200);
      }
    await sleep(1500);
    const idle = procStatus(p.child.pid!, 'VmRSS');
    const load = await work();
    await sleep(500);
    return {
      process: name,
      models,
      load,
      idleMiB: mib(idle),
      peakMiB: mib(procStatus(p.child.pid!, 'VmHWM')),
    };
  } catch (err) {
    const exit = p.running ? 'running' : JSON.stringify(await p.exited);
    throw new Error(
      `${name} (${exit}): ${(err as Error).message}\n${p.logs
        .slice(-10)
        .map((l) => JSON.stringify(l))
        .join('\n')}`,
    );
  } finally {
    await p.stop('SIGTERM');
  }
}

const TEXTS = Array.from(
  { length: 32 },
  (_, i) => `a brown dog number ${i} runs along the sandy beach next to the blue sea`,
);

async function main(): Promise<void> {
  const withCaptioner = process.argv.includes('--captioner');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-rss-'));
  const models = path.join(work, 'models');
  const rows: Row[] = [];
  try {
    buildEmbedderFixture(path.join(models, 'sentence-transformers/all-MiniLM-L6-v2'), { size: 'full' });
    if (withCaptioner)
      buildVitGpt2Fixture(path.join(models, 'nlpconnect/vit-gpt2-image-captioning'), {
        size: 'full',
        separateDecoders: false,
      });

    // embedder: 200 calls of 32 texts at concurrency 8, on 2 ONNX Runtime threads (the base CPU limit).
    const ep = await freePort();
    rows.push(
      await measure(
        'embedder',
        'services/embedder/src/main.ts',
        {
          GRPC_HOST: '127.0.0.1',
          EMBEDDER_PORT: String(ep),
          MODELS_DIR: models,
          EMBEDDER_CPUS: '2',
        },
        { grpc: `127.0.0.1:${ep}` },
        async () => {
          const c = createClient(loadEmbedderProto().embedder.v1.EmbedderService, `127.0.0.1:${ep}`);
          let n = 0;
          await Promise.all(
            Array.from({ length: 8 }, async () => {
              while (n++ < 200) await unaryCall(c, c.embed.bind(c), { texts: TEXTS }, { deadline: 60_000 });
            }),
          );
          c.close();
          return '200 x 32 texts, concurrency 8';
        },
        'all-MiniLM-L6-v2 (full-size replica)',
      ),
    );

    // search: two full builds of 40,455 x 384 vectors (a re-index keeps the old generation while building).
    const sp = await freePort();
    rows.push(
      await measure(
        'search',
        'services/search/src/main.ts',
        {
          GRPC_HOST: '127.0.0.1',
          SEARCH_PORT: String(sp),
          SEARCH_SNAPSHOT_DIR: path.join(work, 'snapshots'),
          SEARCH_NOTIFY: 'false',
        },
        { grpc: `127.0.0.1:${sp}` },
        async () => {
          const c = createClient(loadSearchProto().search.v1.SearchService, `127.0.0.1:${sp}`);
          for (let gen = 0; gen < 2; gen++) await buildGeneration(c, 40_455, 384, gen);
          const q = new Float32Array(384).fill(1 / Math.sqrt(384));
          for (let i = 0; i < 50; i++)
            await unaryCall(
              c,
              c.query.bind(c),
              { vector: Buffer.from(q.buffer), k: 5, model: 'rss-probe' },
              { deadline: 10_000 },
            );
          c.close();
          return '2 builds of 40,455 x 384 + 50 queries';
        },
        '-',
      ),
    );

    if (withCaptioner) {
      const cp = await freePort();
      const jpeg = fs.readFileSync(path.join(REPO_ROOT, 'tools/datasets/sample/Images/chelsea.jpg'));
      rows.push(
        await measure(
          'captioner',
          'services/captioner/src/main.ts',
          {
            GRPC_HOST: '127.0.0.1',
            CAPTIONER_PORT: String(cp),
            MODELS_DIR: models,
            CAPTIONER_MODELS: 'nlpconnect/vit-gpt2-image-captioning',
            CAPTIONER_INTRA_OP_THREADS: '2',
            CAPTIONER_CACHE_SIZE: '0',
          },
          { grpc: `127.0.0.1:${cp}` },
          async () => {
            const c = createClient(loadCaptionerProto().captioner.v1.CaptionerService, `127.0.0.1:${cp}`);
            await Promise.all(
              Array.from({ length: 2 }, async () => {
                for (let i = 0; i < 4; i++)
                  await unaryCall(c, c.caption.bind(c), { image: jpeg }, { deadline: 300_000 });
              }),
            );
            c.close();
            return '8 captions of a 451x300 JPEG, concurrency 2';
          },
          'ViT-GPT2 (full-size replica)',
        ),
      );
    }

    // gateway and indexer idle: their memory does not grow with the models.
    const gp = await freePort();
    rows.push(
      await measure(
        'gateway',
        'gateway/src/main.ts',
        { GATEWAY_HOST: '127.0.0.1', GATEWAY_PORT: String(gp) },
        { http: `http://127.0.0.1:${gp}/healthz` },
        async () => {
          for (let i = 0; i < 200; i++)
            await fetch(`http://127.0.0.1:${gp}/healthz`).then((r) => r.arrayBuffer());
          return '200 GET /healthz (no backends)';
        },
        '-',
      ),
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(
    '| process | models | load | RSS idle (MiB) | peak RSS (MiB) |\n| --- | --- | --- | ---: | ---: |',
  );
  for (const r of rows)
    console.log(`| ${r.process} | ${r.models} | ${r.load} | ${r.idleMiB} | ${r.peakMiB} |`);
  console.log(`\n${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SearchClient = grpc.Client & Record<string, any>;

/** BeginGeneration, one Upsert stream of `count` random unit vectors with captions, Commit. */
async function buildGeneration(c: SearchClient, count: number, dims: number, seed: number): Promise<void> {
  const gen = await unaryCall<object, { id: string }>(
    c,
    c.beginGeneration.bind(c),
    { model: 'rss-probe', dimensions: dims, dataset: 'rss', buildKey: `rss-${seed}` },
    { deadline: 10_000 },
  );
  await new Promise<void>((resolve, reject) => {
    const call = c.upsert((err: Error | null) =>
      err ? reject(err) : resolve(),
    ) as grpc.ClientWritableStream<object>;
    let rng = seed * 7919 + 1;
    const rand = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (let start = 0; start < count; start += 1000) {
      const items = [];
      for (let i = start; i < Math.min(count, start + 1000); i++) {
        const v = new Float32Array(dims);
        let norm = 0;
        for (let d = 0; d < dims; d++) norm += (v[d] = rand()) ** 2;
        for (let d = 0; d < dims; d++) v[d] /= Math.sqrt(norm);
        const image = `img${Math.floor(i / 5)}`;
        items.push({
          id: `${image}#${i % 5}`,
          imageId: image,
          caption: `a dog runs on the beach while a child plays number ${i}`,
          vector: Buffer.from(v.buffer),
          imagePath: `Images/${image}.jpg`,
        });
      }
      call.write({ generationId: gen.id, items });
    }
    call.end();
  });
  await unaryCall(c, c.commit.bind(c), { generationId: gen.id }, { deadline: 120_000 });
}

void main();
