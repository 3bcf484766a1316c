import fs from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { checkHealth } from '@tit/kit';
import { Generation } from '../src/domain/generation';
import { GenerationBuilder } from '../src/domain/generation-builder';
import { readSnapshot, SnapshotError, writeSnapshot } from '../src/domain/snapshot-format';
import {
  bytesOf,
  call,
  index,
  randomCorpus,
  randomVector,
  rng,
  startSearch,
  tmpDir,
  toItem,
  type Caption,
  type Running,
} from './helpers';
import type { QueryRequest } from '@tit/kit/src/generated/search/v1/QueryRequest';

const MODEL = 'snap/model';
const DIMS = 48;
const ranking = { bm25: { k1: 1.2, b: 0.75 }, hybridDenseWeight: 0.7, annCandidates: 100 };

function queries(corpus: Caption[]): QueryRequest[] {
  const rand = rng(11);
  const out: QueryRequest[] = [];
  for (let i = 0; i < 4; i++) {
    const v = bytesOf(randomVector(rand, DIMS));
    out.push({ vector: v, model: MODEL, k: 10 });
    out.push({ vector: v, model: MODEL, k: 7, aggregation: 'AGGREGATION_MEAN', threshold: 0.05 });
    out.push({ vector: v, model: MODEL, k: 5, text: corpus[i * 10].caption, mode: 'MODE_HYBRID' });
    out.push({ text: corpus[i * 7].caption, k: 5, mode: 'MODE_LEXICAL', excludeImageIds: [corpus[0].imageId] });
  }
  return out;
}

/** A corpus with multi-byte captions, so the string section is exercised. */
const corpusOf = (seed: number, images: number): Caption[] =>
  randomCorpus(seed, images, DIMS).map((c, i) => ({ ...c, caption: `${c.caption} ${['naïve café', 'über straße', '犬が走る', 'plain'][i % 4]}` }));

async function build(corpus: Caption[], id = 'g0000000000001-aaaaaa'): Promise<Generation> {
  const b = new GenerationBuilder(id, MODEL, DIMS, 'ds', 'key', 1, { maxVectors: 1e6, maxCaptionChars: 1000, maxIdChars: 1000 });
  b.upsert(
    corpus.map((c) => ({ id: c.id, imageId: c.imageId, caption: c.caption, vector: bytesOf(c.vector), imagePath: '', contentHash: '', generated: false })),
    1,
  );
  return Generation.fromBuilder(b, 2, ranking);
}

describe('snapshot format', () => {
  it('round-trips vectors, captions and metadata, also with padded rows', async () => {
    const dir = tmpDir();
    const corpus = corpusOf(1, 30);
    const gen = await build(corpus);
    const file = path.join(dir, 'x.snap');
    await writeSnapshot(gen, file);
    expect(fs.readdirSync(dir)).toEqual(['x.snap']); // no temporary file left behind
    const back = await readSnapshot(file);
    expect(back.meta).toEqual(gen.meta);
    expect(back.content.captions).toEqual(gen.content.captions);
    expect(back.content.imageIds).toEqual(gen.content.imageIds);
    expect(Array.from(back.content.imageStart)).toEqual(Array.from(gen.content.imageStart));
    expect(Array.from(back.store.vectors)).toEqual(Array.from(gen.store.vectors));
  });

  it('refuses a flipped bit, a truncated file and a foreign file', async () => {
    const dir = tmpDir();
    const gen = await build(corpusOf(2, 20));
    const file = path.join(dir, 'x.snap');
    await writeSnapshot(gen, file);
    const good = fs.readFileSync(file);

    const flipped = Buffer.from(good);
    flipped[good.length - 200] ^= 0x01;
    fs.writeFileSync(file, flipped);
    await expect(readSnapshot(file)).rejects.toThrow(/checksum mismatch/);

    fs.writeFileSync(file, good.subarray(0, good.length - 1000));
    await expect(readSnapshot(file)).rejects.toThrow(/truncated/);

    fs.writeFileSync(file, Buffer.from('hello world, this is not a snapshot at all......'));
    await expect(readSnapshot(file)).rejects.toBeInstanceOf(SnapshotError);
  });
});

describe('restart from snapshot', () => {
  let dir: string;
  let a: Running | null = null;
  let b: Running | null = null;
  beforeEach(() => {
    dir = tmpDir();
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
    a = b = null;
  });

  it('a restarted server restores the generation and returns identical results, rollback included', async () => {
    a = await startSearch({ SEARCH_SNAPSHOT_DIR: dir });
    const first = corpusOf(3, 80);
    const second = corpusOf(4, 90);
    const firstId = await index(a.client, MODEL, DIMS, first);
    const secondId = await index(a.client, MODEL, DIMS, second);
    const qs = queries(second);
    const before = await Promise.all(qs.map((q) => call.query(a!.client, q)));
    expect(before.every((r) => r.generationId === secondId)).toBe(true);
    await a.close();
    a = null;

    b = await startSearch({ SEARCH_SNAPSHOT_DIR: dir }, { start: false });
    expect(await checkHealth(`127.0.0.1:${b.port}`, 'search.v1.SearchService')).toBe('NOT_SERVING');
    await b.service.start();
    const after = await Promise.all(qs.map((q) => call.query(b!.client, q)));
    expect(after).toEqual(before);
    const st = await call.stats(b.client);
    expect(st.serving).toMatchObject({ id: secondId, captionCount: second.length });
    expect(st.previous).toMatchObject({ id: firstId });
    expect(st.snapshotProblems).toEqual([]);
    expect(await call.rollback(b.client)).toMatchObject({ id: firstId });
  });

  it('refuses a corrupted snapshot, reports it, and serves the latest valid one', async () => {
    a = await startSearch({ SEARCH_SNAPSHOT_DIR: dir });
    const firstId = await index(a.client, MODEL, DIMS, corpusOf(5, 40));
    const secondId = await index(a.client, MODEL, DIMS, corpusOf(6, 40));
    await a.close();
    a = null;
    const file = path.join(dir, `${secondId}.snap`);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(file, bytes);

    b = await startSearch({ SEARCH_SNAPSHOT_DIR: dir });
    const st = await call.stats(b.client);
    expect(st.serving!.id).toBe(firstId);
    expect(st.snapshotProblems).toEqual([`${secondId}.snap: checksum mismatch (corrupt)`]);
    const r = await call.query(b.client, { vector: bytesOf(randomVector(rng(1), DIMS)), model: MODEL, k: 3 });
    expect(r.generationId).toBe(firstId);
  });

  it('serves nothing rather than a partial snapshot', async () => {
    a = await startSearch({ SEARCH_SNAPSHOT_DIR: dir });
    const id = await index(a.client, MODEL, DIMS, corpusOf(7, 40));
    await a.close();
    a = null;
    const file = path.join(dir, `${id}.snap`);
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 3));

    b = await startSearch({ SEARCH_SNAPSHOT_DIR: dir });
    const st = await call.stats(b.client);
    expect(st.serving).toBeNull();
    expect(st.snapshotProblems[0]).toMatch(new RegExp(`^${id}\\.snap: truncated`));
    await expect(call.query(b.client, { text: 'caption', k: 3, mode: 'MODE_LEXICAL' })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
    });
  });

  it('fails the commit with UNAVAILABLE, and keeps serving, when the snapshot cannot be written', async () => {
    a = await startSearch({ SEARCH_SNAPSHOT_DIR: dir });
    // The folder turns into a file after start-up: every write fails.
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'x');
    const g = await call.begin(a.client, { model: MODEL, dimensions: DIMS });
    await new Promise<void>((resolve, reject) => {
      const s = a!.client.upsert((err) => (err ? reject(err) : resolve()));
      s.write({ generationId: g.id, items: corpusOf(8, 5).map(toItem) });
      s.end();
    });
    await expect(call.commit(a.client, g.id)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    const st = await call.stats(a.client);
    expect(st.serving).toBeNull();
    expect(st.building.map((x) => x.id)).toEqual([g.id]); // still building: the commit can be retried
  });
});
