/**
 * Re-indexing with the real processes: search, embedder and captioner (tiny fixture models) started
 * by the shared test system, and the indexer started here so it can be SIGKILLed and restarted.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import {
  REPO_ROOT,
  createClient,
  enqueueReindex,
  getReindexJob,
  loadEmbedderProto,
  loadSearchProto,
  openReindexQueue,
  unaryCall,
  type ReindexJobView,
} from '@tit/kit';
import type { EmbedderServiceClient } from '@tit/kit/src/generated/embedder/v1/EmbedderService';
import type { SearchServiceClient } from '@tit/kit/src/generated/search/v1/SearchService';
import { PROCESSES, spawnProcess } from '@tit/tools/src/start/processes';
import { startTestSystem, type TestSystem } from './support/test-system';

jest.setTimeout(120_000);

const SAMPLE = path.join(REPO_ROOT, 'tools/datasets/sample');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sample's 14 photos with `perImage` made-up captions each, in the Kaggle layout. */
function bigDataset(perImage: number): { dir: string; captions: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-reindex-'));
  mkdirSync(path.join(dir, 'Images'));
  const rows = ['image,caption'];
  const files = readdirSync(path.join(SAMPLE, 'Images'));
  for (const f of files) {
    copyFileSync(path.join(SAMPLE, 'Images', f), path.join(dir, 'Images', f));
    for (let n = 0; n < perImage; n++) rows.push(`${f},"a photo of ${f.replace('.jpg', '')}, variant ${n}"`);
  }
  writeFileSync(path.join(dir, 'captions.txt'), `${rows.join('\n')}\n`);
  return { dir, captions: files.length * perImage };
}

describe('re-indexing with the real services', () => {
  let sys: TestSystem;
  let indexer: ChildProcess | undefined;
  const indexerLog: Array<Record<string, unknown>> = [];
  let queue: ReturnType<typeof openReindexQueue>;
  let search: SearchServiceClient;
  let embedder: EmbedderServiceClient;

  const startIndexer = () => {
    const spec = PROCESSES.find((p) => p.name === 'indexer');
    if (!spec) throw new Error('no indexer process spec');
    indexer = spawnProcess(spec, {
      ...sys.env,
      INDEXER_CHUNK_SIZE: '32',
      INDEXER_LOCK_MS: '1500',
      INDEXER_STALLED_INTERVAL_MS: '500',
      INDEXER_HEALTH_POLL_MS: '100',
    });
    if (indexer.stdout) readline.createInterface({ input: indexer.stdout }).on('line', (l) => indexerLog.push(JSON.parse(l) as Record<string, unknown>));
  };
  const stats = () => unaryCall(search, search.getStats.bind(search), {}, { deadline: 5000 });
  const waitJob = async (jobId: string, timeoutMs = 60_000): Promise<ReindexJobView> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = await getReindexJob(queue, jobId);
      if (v && (v.state === 'completed' || v.state === 'failed')) return v;
      if (Date.now() > until) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(v)}`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    sys = await startTestSystem({ only: ['search', 'embedder', 'captioner'] });
    queue = openReindexQueue(sys.env.REDIS_URL as string, { prefix: sys.env.QUEUE_PREFIX as string });
    search = createClient(loadSearchProto().search.v1.SearchService, sys.env.SEARCH_ADDR as string);
    embedder = createClient(loadEmbedderProto().embedder.v1.EmbedderService, sys.env.EMBEDDER_ADDR as string);
    startIndexer();
  }, 180_000);

  afterAll(async () => {
    indexer?.kill('SIGTERM');
    search?.close();
    embedder?.close();
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await sys?.stop();
  });

  it('indexes the sample dataset on first start with its exact caption count', async () => {
    const until = Date.now() + 90_000;
    while (!(await stats()).serving && Date.now() < until) await sleep(200);
    const s = await stats();
    expect(s.serving).toMatchObject({ captionCount: 70, imageCount: 14, dataset: SAMPLE });
    expect(indexerLog.some((l) => l.msg === 'no generation served yet: indexing the default dataset')).toBe(true);
  });

  it('keeps answering queries from the old generation until the new one commits', async () => {
    const old = (await stats()).serving;
    const { dir, captions } = bigDataset(40); // 560 captions, 18 chunks
    const { vectors } = await unaryCall(embedder, embedder.embed.bind(embedder), { texts: ['a cat'], model: '' }, { deadline: 5000 });
    const { jobId } = await enqueueReindex(queue, { dataset: dir, requestedBy: 'e2e' });
    const answered: string[] = [];
    let finished: ReindexJobView | undefined;
    const job = waitJob(jobId).then((v) => (finished = v));
    while (!finished) {
      const res = await unaryCall(search, search.query.bind(search), { vector: vectors, model: old?.model ?? '', k: 3 }, { deadline: 5000 });
      answered.push(res.generationId);
      expect(res.hits.length).toBe(3);
    }
    await job;
    expect(finished.state).toBe('completed');
    expect(finished.result?.captions).toBe(captions);
    expect(answered.length).toBeGreaterThan(3);
    // Until the commit every answer came from the old generation; after it, from the new one.
    const firstNew = answered.findIndex((g) => g !== old?.id);
    expect(answered.slice(0, firstNew === -1 ? undefined : firstNew).every((g) => g === old?.id)).toBe(true);
    expect(answered.slice(firstNew === -1 ? answered.length : firstNew).every((g) => g === finished?.result?.generationId)).toBe(true);
    expect((await stats()).serving).toMatchObject({ id: finished.result?.generationId, captionCount: captions, imageCount: 14 });
  });

  it('resumes a job whose indexer was SIGKILLed mid-job, without duplicates', async () => {
    const { dir, captions } = bigDataset(200); // 2,800 captions, 88 chunks: time to kill it mid-job
    const { jobId } = await enqueueReindex(queue, { dataset: dir, requestedBy: 'e2e' });
    let seen: ReindexJobView | undefined;
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      seen = await getReindexJob(queue, jobId);
      if (seen && seen.progress.done >= 64) break;
      await sleep(20);
    }
    expect(seen?.progress.done).toBeLessThan(captions);
    indexer?.kill('SIGKILL');
    await new Promise((r) => indexer?.once('exit', r));
    const killedAt = (await getReindexJob(queue, jobId))?.progress;
    startIndexer();
    const done = await waitJob(jobId);
    expect(done.state).toBe('completed');
    expect(done.result?.captions).toBe(captions);
    const s = await stats();
    expect(s.serving).toMatchObject({ id: done.result?.generationId, captionCount: captions, imageCount: 14, buildKey: jobId });
    const img = await unaryCall(search, search.getImage.bind(search), { imageId: 'chelsea' }, { deadline: 5000 });
    expect(img.captions).toHaveLength(200);
    expect(new Set(img.captions).size).toBe(200);
    expect(indexerLog.some((l) => l.msg === 'resuming building generation' && Number(l.resumeFrom) === killedAt?.done)).toBe(true);
  });

  it('captions a caption-less photo folder and makes it searchable', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-photos-'));
    for (const f of ['coffee.jpg', 'rocket.jpg', 'horse.jpg']) copyFileSync(path.join(SAMPLE, 'Images', f), path.join(dir, `my-${f}`));
    const { jobId } = await enqueueReindex(queue, { dataset: dir, requestedBy: 'e2e' });
    const done = await waitJob(jobId);
    expect(done.state).toBe('completed');
    expect(done.result).toMatchObject({ captions: 3, images: 3, generated: 3, format: 'images' });
    const img = await unaryCall(search, search.getImage.bind(search), { imageId: 'my-rocket' }, { deadline: 5000 });
    expect(img.captions).toHaveLength(1);
    expect(img.imagePath).toBe('my-rocket.jpg');
    // Searching with its generated caption finds the photo (or another one the tiny random
    // captioner happened to describe with the very same words).
    const same = [];
    for (const id of ['my-coffee', 'my-rocket', 'my-horse']) {
      const other = await unaryCall(search, search.getImage.bind(search), { imageId: id }, { deadline: 5000 });
      expect(other.captions).toHaveLength(1);
      if (other.captions[0] === img.captions[0]) same.push(id);
    }
    const { vectors, model } = await unaryCall(embedder, embedder.embed.bind(embedder), { texts: [img.captions[0]], model: '' }, { deadline: 5000 });
    const res = await unaryCall(search, search.query.bind(search), { vector: vectors, model, k: 3 }, { deadline: 5000 });
    expect(res.hits[0].caption).toBe(img.captions[0]);
    expect(same).toContain(res.hits[0].imageId);
  });
});
