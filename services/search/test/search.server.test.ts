import { status } from '@grpc/grpc-js';
import { checkHealth } from '@tit/kit';
import {
  bytesOf,
  call,
  expectSameRanking,
  index,
  openUpsert,
  randomCorpus,
  randomVector,
  referenceRanking,
  rng,
  startSearch,
  tmpDir,
  toItem,
  upsert,
  type Caption,
  type Running,
} from './helpers';

const MODEL = 'test/model-a';

describe('search server: dense ranking against a brute-force reference', () => {
  // 13 dimensions: not a multiple of 4, so the store pads rows and the kernel's tail loop runs.
  const DIMS = 13;
  const corpus = randomCorpus(7, 400, DIMS);
  let s: Running;

  beforeAll(async () => {
    s = await startSearch({ SEARCH_SNAPSHOT_DIR: tmpDir() });
    await index(s.client, MODEL, DIMS, corpus);
  });
  afterAll(() => s.close());

  it('returns the exact top-k images (max aggregation) for random queries', async () => {
    const rand = rng(99);
    for (let t = 0; t < 12; t++) {
      const q = randomVector(rand, DIMS);
      const k = 1 + Math.floor(rand() * 30);
      const res = await call.query(s.client, { vector: bytesOf(q), model: MODEL, k });
      expectSameRanking(res.hits, referenceRanking(corpus, q, { k }));
    }
  });

  it('applies mean aggregation, the threshold and k', async () => {
    const rand = rng(5);
    for (let t = 0; t < 5; t++) {
      const q = randomVector(rand, DIMS);
      const mean = await call.query(s.client, { vector: bytesOf(q), model: MODEL, k: 25, aggregation: 'AGGREGATION_MEAN' });
      expectSameRanking(mean.hits, referenceRanking(corpus, q, { k: 25, mean: true }));
      const thr = await call.query(s.client, { vector: bytesOf(q), model: MODEL, k: 1000, threshold: 0.4 });
      const ref = referenceRanking(corpus, q, { k: 1000, threshold: 0.4 });
      expectSameRanking(thr.hits, ref);
      expect(thr.hits.every((h) => h.score >= 0.4)).toBe(true);
      expect(ref.length).toBeLessThan(400); // the threshold did drop images
    }
  });

  it('returns each hit with its best caption, all its captions in order, path and hash', async () => {
    const target = corpus.filter((c) => c.imageId === 'img3');
    const best = target[target.length - 1];
    const res = await call.query(s.client, { vector: bytesOf(best.vector), model: MODEL, k: 1 });
    expect(res.hits[0]).toMatchObject({
      imageId: 'img3',
      caption: best.caption,
      captions: target.map((c) => c.caption),
      imagePath: 'img3.jpg',
      contentHash: 'hash-img3',
    });
    expect(res.hits[0].score).toBeCloseTo(1, 5);
  });

  it('honours exclusions by image id and by content hash', async () => {
    const q = corpus[0].vector;
    const top = await call.query(s.client, { vector: bytesOf(q), model: MODEL, k: 3 });
    const [a, b] = [top.hits[0].imageId, top.hits[1].imageId];
    const res = await call.query(s.client, {
      vector: bytesOf(q),
      model: MODEL,
      k: 10,
      excludeImageIds: [a],
      excludeContentHashes: [`HASH-${b}`.replace('HASH', 'hash').toUpperCase()],
    });
    expect(res.hits.map((h) => h.imageId)).not.toContain(a);
    expect(res.hits.map((h) => h.imageId)).not.toContain(b);
    expectSameRanking(res.hits, referenceRanking(corpus, q, { k: 10, exclude: new Set([a, b]) }));
  });

  it('rejects a model or dimension mismatch with FAILED_PRECONDITION naming both', async () => {
    const q = randomVector(rng(1), DIMS);
    await expect(call.query(s.client, { vector: bytesOf(q), model: 'other/model', k: 5 })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/other\/model.*test\/model-a/),
    });
    const wrong = randomVector(rng(1), DIMS + 3);
    await expect(call.query(s.client, { vector: bytesOf(wrong), model: MODEL, k: 5 })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/16 dimensions.*13 dimensions/),
    });
  });

  it('rejects inputs beyond the limits with INVALID_ARGUMENT naming the limit', async () => {
    const v = bytesOf(randomVector(rng(2), DIMS));
    const bad = async (req: object, re: RegExp): Promise<void> => {
      await expect(call.query(s.client, { vector: v, model: MODEL, k: 5, ...req })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(re),
      });
    };
    await bad({ k: 0 }, /between 1 and 1000/);
    await bad({ k: 1001 }, /between 1 and 1000/);
    await bad({ mode: 'MODE_LEXICAL', text: 'x'.repeat(1001) }, /over the limit of 1000/);
    await bad({ excludeImageIds: Array.from({ length: 1001 }, (_, i) => `i${i}`) }, /over the limit of 1000/);
    await bad({ vector: Buffer.alloc(7) }, /whole number of float32/);
    await bad({ vector: Buffer.alloc(0) }, /needs a query vector/);
    await bad({ vector: bytesOf(new Float32Array(DIMS)) }, /all zeros/);
    await bad({ mode: 'MODE_HYBRID', text: '' }, /needs query text/);
  });

  it('looks images up and reports stats', async () => {
    const img = await call.image(s.client, 'img2');
    expect(img.captions).toEqual(corpus.filter((c) => c.imageId === 'img2').map((c) => c.caption));
    await expect(call.image(s.client, 'nope')).rejects.toMatchObject({ code: status.NOT_FOUND });
    const st = await call.stats(s.client);
    expect(st.serving).toMatchObject({ state: 'GENERATION_STATE_SERVING', captionCount: corpus.length, imageCount: 400, model: MODEL });
    // 13 dims pad to 16: the store holds 16 floats per row plus one query row and the scores.
    expect(st.vectorBytes).toBeGreaterThanOrEqual(corpus.length * 16 * 4);
    expect(st.approximate).toBe(false);
    expect(st.snapshotProblems).toEqual([]);
  });
});

describe('search server: generations', () => {
  const DIMS = 8;
  let s: Running;
  beforeEach(async () => {
    s = await startSearch({ SEARCH_SNAPSHOT_DIR: tmpDir() });
  });
  afterEach(() => s.close());

  it('answers FAILED_PRECONDITION before the first commit, while health is SERVING', async () => {
    await expect(call.query(s.client, { vector: bytesOf(randomVector(rng(1), DIMS)), model: MODEL, k: 5 })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: 'no generation has been committed yet',
    });
    expect(await checkHealth(`127.0.0.1:${s.port}`, 'search.v1.SearchService')).toBe('SERVING');
  });

  it('serves only the committed generation while another is upserted, and swaps on commit', async () => {
    const oldCorpus = randomCorpus(1, 50, DIMS);
    const newCorpus = randomCorpus(2, 60, DIMS).map((c) => ({ ...c, imageId: `new-${c.imageId}`, id: `new-${c.id}` }));
    const oldId = await index(s.client, MODEL, DIMS, oldCorpus);
    const q = { vector: bytesOf(newCorpus[0].vector), model: MODEL, k: 5 };

    const g = await call.begin(s.client, { model: MODEL, dimensions: DIMS });
    const stream = openUpsert(s.client);
    stream.write({ generationId: g.id, items: newCorpus.slice(0, 30).map(toItem) });
    // The stream is still open: queries see the old generation only.
    await new Promise((r) => setTimeout(r, 50));
    const during = await call.query(s.client, q);
    expect(during.generationId).toBe(oldId);
    expect(during.hits.every((h) => !h.imageId.startsWith('new-'))).toBe(true);
    stream.write({ generationId: g.id, items: newCorpus.slice(30).map(toItem) });
    const up = await stream.end();
    expect(up).toMatchObject({ generationId: g.id, received: newCorpus.length, captionCount: newCorpus.length });
    expect((await call.query(s.client, q)).generationId).toBe(oldId);

    const committed = await call.commit(s.client, g.id);
    expect(committed).toMatchObject({ state: 'GENERATION_STATE_SERVING', captionCount: newCorpus.length });
    const after = await call.query(s.client, q);
    expect(after.generationId).toBe(g.id);
    expect(after.hits[0].imageId).toBe(newCorpus[0].imageId);

    const st = await call.stats(s.client);
    expect(st.previous).toMatchObject({ id: oldId, state: 'GENERATION_STATE_PREVIOUS' });
    // Rollback serves the previous generation again.
    expect(await call.rollback(s.client)).toMatchObject({ id: oldId, state: 'GENERATION_STATE_SERVING' });
    expect((await call.query(s.client, q)).generationId).toBe(oldId);
  });

  it('abort discards the building generation and leaves the served one untouched', async () => {
    const corpus = randomCorpus(3, 30, DIMS);
    const servedId = await index(s.client, MODEL, DIMS, corpus);
    const q = { vector: bytesOf(corpus[5].vector), model: MODEL, k: 10 };
    const before = await call.query(s.client, q);

    const g = await call.begin(s.client, { model: MODEL, dimensions: DIMS });
    await upsert(s.client, g.id, randomCorpus(4, 30, DIMS).map(toItem));
    expect(await call.abort(s.client, g.id)).toMatchObject({ id: g.id, state: 'GENERATION_STATE_ABORTED' });

    expect(await call.query(s.client, q)).toEqual(before);
    const st = await call.stats(s.client);
    expect(st.serving!.id).toBe(servedId);
    expect(st.building).toEqual([]);
    await expect(call.commit(s.client, g.id)).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(upsert(s.client, g.id, corpus.slice(0, 1).map(toItem))).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('replaces re-sent items by id and resumes a build by build_key', async () => {
    const corpus = randomCorpus(5, 20, DIMS);
    const g = await call.begin(s.client, { model: MODEL, dimensions: DIMS, buildKey: 'job-1' });
    await upsert(s.client, g.id, corpus.slice(0, 40).map(toItem));
    // A resumed job asks again with its key and gets the same generation with its count.
    const again = await call.begin(s.client, { model: MODEL, dimensions: DIMS, buildKey: 'job-1' });
    expect(again).toMatchObject({ id: g.id, captionCount: 40, state: 'GENERATION_STATE_BUILDING' });
    // It re-sends from an earlier checkpoint: no duplicates.
    const res = await upsert(s.client, g.id, corpus.slice(20).map(toItem));
    expect(res.captionCount).toBe(corpus.length);
    const changed: Caption = { ...corpus[0], caption: 'replaced caption' };
    await upsert(s.client, g.id, [toItem(changed)]);
    await call.commit(s.client, g.id);
    const img = await call.image(s.client, corpus[0].imageId);
    expect(img.captions[0]).toBe('replaced caption');
    expect((await call.stats(s.client)).serving!.captionCount).toBe(corpus.length);
    await expect(call.begin(s.client, { model: 'm2', dimensions: DIMS, buildKey: 'job-1' })).resolves.toMatchObject({
      captionCount: 0,
    });
  });

  it('validates upserted items and generations', async () => {
    const g = await call.begin(s.client, { model: MODEL, dimensions: DIMS });
    const item = toItem(randomCorpus(6, 1, DIMS)[0]);
    await expect(upsert(s.client, g.id, [{ ...item, vector: Buffer.alloc(12) }])).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/12 bytes; 8 dimensions need exactly 32/),
    });
    await expect(upsert(s.client, g.id, [{ ...item, id: '' }])).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(upsert(s.client, g.id, [{ ...item, caption: 'x'.repeat(2001) }])).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/limit of 2000/),
    });
    await expect(call.commit(s.client, g.id)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    await expect(call.begin(s.client, { model: MODEL, dimensions: 0 })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(call.rollback(s.client)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
  });
});

describe('search server: replica role', () => {
  it('refuses writes on a replica', async () => {
    const s = await startSearch({ SEARCH_SNAPSHOT_DIR: tmpDir(), SEARCH_ROLE: 'replica', SEARCH_SYNC_INTERVAL_MS: '60000' });
    try {
      await expect(call.begin(s.client, { model: MODEL, dimensions: 4 })).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
        details: expect.stringMatching(/read-only.*SEARCH_WRITER_ADDR/),
      });
    } finally {
      await s.close();
    }
  });
});
