import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { enqueueReindex } from '@tit/kit';
import { stopReindexWorker } from '../src/worker/reindex.worker';
import { makeKaggleDataset } from './fakes';
import { harness, recordProgress, type Harness } from './harness';

jest.setTimeout(30000);

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('re-index worker', () => {
  it('indexes every caption once under stable ids and commits only after the last chunk', async () => {
    const { dir, captions } = makeKaggleDataset(12); // 60 captions, 4 chunks of 16
    // An older generation is served while the new one builds.
    h.search.generations.set('old', { id: 'old', state: 'GENERATION_STATE_SERVING', buildKey: 'x', model: 'fake/minilm', dimensions: 8, dataset: '/old', items: new Map() });
    h.search.servingId = 'old';
    const servedDuringBuild: Array<string | undefined> = [];
    h.search.afterUpsert = () => void servedDuringBuild.push(h.search.servingId);
    const worker = h.startWorker();
    const progress = recordProgress(worker);
    const { jobId, existing } = await enqueueReindex(h.queue, { dataset: dir, requestedBy: 'test' });
    expect(existing).toBe(false);
    const job = await h.waitFor(jobId, ['completed', 'failed']);
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ captions: captions, images: 12, skipped: 0, generated: 0, format: 'flickr8k-kaggle' });

    const gen = h.search.serving();
    expect(gen?.id).toBe(job.result?.generationId);
    expect(gen?.buildKey).toBe(jobId);
    expect(gen?.items.size).toBe(60);
    expect(h.search.received).toBe(60);
    const item = gen?.items.get('img0003#4');
    expect(item).toMatchObject({ imageId: 'img0003', caption: 'caption 4 of image 3, with a comma', imagePath: 'Images/img0003.jpg', generated: false });
    const bytes = readFileSync(path.join(dir, 'Images', 'img0003.jpg'));
    expect(item?.contentHash).toBe(createHash('sha256').update(bytes).digest('hex'));

    // begin, 4 upserts, then one commit at the very end; the old generation served throughout.
    expect(h.search.events.map((e) => e.split(' ')[0])).toEqual(['begin', 'upsert', 'upsert', 'upsert', 'upsert', 'commit']);
    expect(servedDuringBuild).toEqual(['old', 'old', 'old', 'old']);
    const dones = progress.filter((p) => p.phase === 'embedding').map((p) => p.done);
    expect(dones).toEqual([0, 16, 32, 48, 60]);
    expect(progress.at(-1)).toMatchObject({ done: 60, total: 60, skipped: 0, phase: 'done' });
  });

  it('retries UNAVAILABLE and DEADLINE_EXCEEDED in place and still indexes exactly once', async () => {
    const { dir } = makeKaggleDataset(6); // 30 captions
    h.embedder.faults.push({ code: grpc.status.UNAVAILABLE, times: 2 });
    // Answers after 400 ms while the client allows 200 ms: a real DEADLINE_EXCEEDED.
    h.search.upsertFaults.push({ code: grpc.status.UNAVAILABLE, times: 1, delayMs: 400 });
    h.startWorker({}, { upsertMs: 200 });
    const { jobId } = await enqueueReindex(h.queue, { dataset: dir });
    const job = await h.waitFor(jobId, ['completed', 'failed']);
    expect(job.state).toBe('completed');
    expect(job.attemptsMade).toBe(1); // one attempt: retried inside it, no job-level retry needed
    expect(h.search.serving()?.items.size).toBe(30);
    expect(h.embedder.calls).toBeGreaterThanOrEqual(2 + Math.ceil(30 / 8));
    expect(h.logs.some((l) => l.includes('transient failure, retrying') && l.includes('"dep":"embedder"'))).toBe(true);
    expect(h.logs.some((l) => l.includes('transient failure, retrying') && l.includes('"dep":"search"'))).toBe(true);
  });

  it('fails a job with bad data at once, with the reason, without retries', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'indexer-empty-'));
    writeFileSync(path.join(dir, 'captions.txt'), '');
    h.startWorker();
    const { jobId } = await enqueueReindex(h.queue, { dataset: dir });
    const job = await h.waitFor(jobId, ['completed', 'failed']);
    expect(job.state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.error).toMatch(/captions\.txt is empty/);
    expect(h.search.events).toEqual([]);
  });

  it('fails without retries when the embedder rejects a caption, and discards the building generation', async () => {
    const { dir } = makeKaggleDataset(4);
    h.embedder.rejectText = 'image 2';
    h.startWorker();
    const { jobId } = await enqueueReindex(h.queue, { dataset: dir });
    const job = await h.waitFor(jobId, ['completed', 'failed']);
    expect(job.state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.error).toMatch(/embedder Embed: texts must be at most 10 characters/);
    expect(h.search.events.filter((e) => e.startsWith('commit'))).toEqual([]);
    expect(h.search.events.at(-1)).toMatch(/^abort /);
  });

  it('waits while a dependency is not SERVING instead of failing the job', async () => {
    const { dir } = makeKaggleDataset(2);
    h.embedder.health.set('NOT_SERVING');
    h.startWorker();
    const { jobId } = await enqueueReindex(h.queue, { dataset: dir });
    await h.waitFor(jobId, ['active']);
    await sleep(600);
    expect((await h.waitFor(jobId, ['active'])).state).toBe('active');
    expect(h.embedder.calls).toBe(0);
    expect(h.search.events).toEqual([]);
    h.embedder.health.set('SERVING');
    const job = await h.waitFor(jobId, ['completed', 'failed']);
    expect(job.state).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    expect(h.logs.some((l) => l.includes('waiting for dependency to be SERVING'))).toBe(true);
  });

  it('gives a second request for the same dataset and model the running job', async () => {
    const { dir } = makeKaggleDataset(3);
    const [a, b] = await Promise.all([enqueueReindex(h.queue, { dataset: dir }), enqueueReindex(h.queue, { dataset: dir + '/' })]);
    expect(a.jobId).toBe(b.jobId);
    expect([a.existing, b.existing].sort()).toEqual([false, true]);
    const other = await enqueueReindex(h.queue, { dataset: dir, model: 'another/model' });
    expect(other.jobId).not.toBe(a.jobId);
    await h.queue.remove(other.jobId);
    h.startWorker();
    await h.waitFor(a.jobId, ['completed']);
    const again = await enqueueReindex(h.queue, { dataset: dir });
    expect(again.existing).toBe(false);
    expect(again.jobId).not.toBe(a.jobId);
  });

  it('captions a caption-less photo folder and marks the captions generated', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'indexer-photos-'));
    mkdirSync(path.join(dir, 'holiday'));
    for (const f of ['a.jpg', 'b.png', 'holiday/c.jpeg', 'holiday/d.webp', 'e.jpg']) writeFileSync(path.join(dir, f), Buffer.from(`photo ${f}`));
    writeFileSync(path.join(dir, 'notes.md'), 'not an image');
    h.startWorker();
    const { jobId } = await enqueueReindex(h.queue, { dataset: dir });
    const job = await h.waitFor(jobId, ['completed', 'failed']);
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ captions: 5, images: 5, generated: 5, format: 'images' });
    expect(h.captioner.calls).toBe(5);
    const items = [...(h.search.serving()?.items.values() ?? [])];
    expect(items.map((i) => i.id).sort()).toEqual(['a#0', 'b#0', 'c#0', 'd#0', 'e#0']);
    const c = items.find((i) => i.id === 'c#0');
    const hash = createHash('sha256').update(Buffer.from('photo holiday/c.jpeg')).digest('hex');
    expect(c).toMatchObject({ generated: true, imagePath: 'holiday/c.jpeg', contentHash: hash, caption: `a photo numbered ${hash.slice(0, 6)}` });
  });

  it('on shutdown lets the active chunk finish and returns the job to the queue; another worker resumes it', async () => {
    const { dir } = makeKaggleDataset(12); // 60 captions, chunks of 16
    const first = h.startWorker();
    let stopping: Promise<void> | undefined;
    h.search.afterUpsert = async (n) => {
      if (n !== 1) return;
      stopping = stopReindexWorker(first); // SIGTERM arrives while chunk 1 is being stored
      await sleep(150); // ...and the chunk still completes
    };
    const { jobId } = await enqueueReindex(h.queue, { dataset: dir });
    while (!stopping) await sleep(20);
    await stopping;
    const parked = await h.waitFor(jobId, ['waiting']);
    expect(parked.progress).toMatchObject({ done: 16, total: 60 });
    expect(parked.attemptsMade).toBe(0);
    expect(h.search.events.filter((e) => e.startsWith('commit'))).toEqual([]);

    h.search.afterUpsert = undefined;
    h.startWorker();
    const job = await h.waitFor(jobId, ['completed', 'failed']);
    expect(job.state).toBe('completed');
    const gen = h.search.serving();
    expect(gen?.items.size).toBe(60);
    // Resumed the same building generation from its checkpoint: nothing was sent twice.
    expect(h.search.received).toBe(60);
    expect(new Set(h.search.events.filter((e) => e.startsWith('begin')))).toEqual(new Set([`begin ${gen?.id}`]));
  });

  it('starts over instead of resuming when the dataset changed since the checkpoint', async () => {
    const { dir } = makeKaggleDataset(12); // 60 captions, chunks of 16
    const first = h.startWorker();
    let stopping: Promise<void> | undefined;
    h.search.afterUpsert = (n) => {
      if (n === 1) stopping = stopReindexWorker(first);
    };
    const { jobId } = await enqueueReindex(h.queue, { dataset: dir });
    while (!stopping) await sleep(20);
    await stopping;
    expect((await h.waitFor(jobId, ['waiting'])).progress.done).toBe(16);
    // Someone fixes a caption that was already stored.
    const file = path.join(dir, 'captions.txt');
    writeFileSync(file, readFileSync(file, 'utf8').replace('caption 1 of image 0, with a comma', 'a corrected caption'));
    h.search.afterUpsert = undefined;
    h.startWorker();
    expect((await h.waitFor(jobId, ['completed', 'failed'])).state).toBe('completed');
    const gen = h.search.serving();
    expect(gen?.items.get('img0000#1')?.caption).toBe('a corrected caption');
    expect(gen?.items.size).toBe(60);
    expect(h.search.received).toBe(16 + 60); // the first chunk again, then everything
  });

  it('resumes a job whose worker died mid-chunk: same generation, no duplicates, commit once', async () => {
    const { dir } = makeKaggleDataset(12); // 60 captions, chunks of 16
    const dead = h.startWorker();
    let died = false;
    let release: () => void = () => undefined;
    h.search.afterUpsert = async (n) => {
      if (n !== 2) return;
      // Chunk 2 reached the index but its worker "dies" before hearing back.
      died = true;
      await new Promise<void>((r) => (release = r));
    };
    const { jobId } = await enqueueReindex(h.queue, { dataset: dir });
    while (!died) await sleep(20);
    await dead.close(true); // no lock renewal, no clean hand-back: like SIGKILL
    h.search.afterUpsert = undefined;
    h.startWorker();
    const job = await h.waitFor(jobId, ['completed', 'failed'], 20000);
    release();
    expect(job.state).toBe('completed');
    const gen = h.search.serving();
    expect(gen?.items.size).toBe(60);
    expect(job.result?.captions).toBe(60);
    // The checkpoint said 16 done; chunk 2 (16 items) was sent again and replaced, nothing else.
    expect(h.search.received).toBe(60 + 16);
    expect(h.search.events.filter((e) => e.startsWith('commit'))).toEqual([`commit ${gen?.id}`]);
    expect([...h.search.generations.values()].filter((g) => g.buildKey === jobId)).toHaveLength(1);
  });
});
