import { bytesOf, call, eventually, referenceRanking, rng, startSearch, tmpDir, type Caption } from './helpers';

const MODEL = 'ann/model';
const DIMS = 32;

/** Clustered data (topics -> images -> captions), closer to real embeddings than uniform noise. */
function clusteredCorpus(seed: number, images: number): Caption[] {
  const rand = rng(seed);
  const gauss = (): number => (rand() + rand() + rand() + rand() - 2) * 0.9;
  const topics = Array.from({ length: 20 }, () => Float32Array.from({ length: DIMS }, gauss));
  const out: Caption[] = [];
  for (let i = 0; i < images; i++) {
    const t = topics[Math.floor(rand() * topics.length)];
    const img = Float32Array.from(t, (x) => x + 0.4 * gauss());
    for (let j = 0; j < 5; j++) {
      out.push({ id: `i${i}#${j}`, imageId: `i${i}`, caption: `c${j}`, vector: Float32Array.from(img, (x) => x + 0.3 * gauss()) });
    }
  }
  return out;
}

describe('approximate index', () => {
  it('serves dense queries above the threshold, with exact re-scoring and high recall', async () => {
    const s = await startSearch({
      SEARCH_SNAPSHOT_DIR: tmpDir(),
      SEARCH_ANN_THRESHOLD: '1000',
      SEARCH_ANN_EXPANSION_ADD: '64',
      SEARCH_ANN_DIR: tmpDir('tit-ann-'),
    });
    try {
      const corpus = clusteredCorpus(1, 240); // 1200 captions
      const g = await call.begin(s.client, { model: MODEL, dimensions: DIMS });
      await new Promise<void>((resolve, reject) => {
        const st = s.client.upsert((err) => (err ? reject(err) : resolve()));
        for (let i = 0; i < corpus.length; i += 500) {
          st.write({
            generationId: g.id,
            items: corpus.slice(i, i + 500).map((c) => ({ id: c.id, imageId: c.imageId, caption: c.caption, vector: bytesOf(c.vector) })),
          });
        }
        st.end();
      });
      await call.commit(s.client, g.id);
      expect(await eventually(async () => (await call.stats(s.client)).approximate, 15_000, 50)).toBe(true);

      const rand = rng(7);
      let found = 0;
      const Q = 30;
      for (let t = 0; t < Q; t++) {
        const base = corpus[Math.floor(rand() * corpus.length)].vector;
        const q = Float32Array.from(base, (x) => x + (rand() - 0.5) * 0.2);
        const res = await call.query(s.client, { vector: bytesOf(q), model: MODEL, k: 10 });
        const ref = referenceRanking(corpus, q, { k: 10 });
        const refScore = new Map(referenceRanking(corpus, q, { k: 400 }).map((r) => [r.imageId, r.score]));
        const refIds = new Set(ref.map((r) => r.imageId));
        found += res.hits.filter((h) => refIds.has(h.imageId)).length;
        // Exact re-scoring: every returned score is the image's true score.
        for (const h of res.hits) expect(h.score).toBeCloseTo(refScore.get(h.imageId)!, 5);
      }
      expect(found / (Q * 10)).toBeGreaterThanOrEqual(0.95);
    } finally {
      await s.close();
    }
  });
});
