import { Bm25Index } from '../src/domain/bm25';
import { sStem, tokenize } from '../src/domain/tokenizer';
import { TopK } from '../src/domain/top-k';
import { bytesOf, call, index, startSearch, tmpDir, type Caption, type Running } from './helpers';
import { rng } from './helpers';

describe('TopK', () => {
  it('keeps the k best of a random stream, ties broken by smaller id', () => {
    const rand = rng(3);
    for (let t = 0; t < 50; t++) {
      const k = 1 + Math.floor(rand() * 20);
      const xs = Array.from({ length: 200 }, () => Math.round(rand() * 50) / 10);
      const top = new TopK(k);
      xs.forEach((x, i) => top.push(x, i));
      const ref = xs
        .map((score, id) => ({ id, score }))
        .sort((a, b) => b.score - a.score || a.id - b.id)
        .slice(0, k);
      expect(top.sorted()).toEqual(ref);
    }
  });
});

describe('tokenizer', () => {
  it('lower-cases, strips accents and punctuation, drops stop words and folds plurals', () => {
    expect(tokenize("The Dogs' café, two puppies & a bus!")).toEqual(['dog', 'cafe', 'two', 'puppy', 'bus']);
    expect(tokenize("A dog's toy")).toEqual(['dog', 'toy']);
    expect(['horses', 'glasses', 'bus', 'goes', 'berries'].map(sStem)).toEqual(['horse', 'glasse', 'bus', 'goe', 'berry']);
  });
});

describe('BM25', () => {
  const docs = ['a dog runs on the beach', 'a dog and another dog', 'a cat on a sofa', 'dogs dogs dogs playing in a long field of grass'];

  /** Textbook BM25 over the tokenized docs, for comparison. */
  function reference(query: string, k1 = 1.2, b = 0.75): number[] {
    const toks = docs.map(tokenize);
    const avgdl = toks.reduce((s, t) => s + t.length, 0) / toks.length;
    const terms = [...new Set(tokenize(query))];
    return toks.map((d) =>
      terms.reduce((sum, t) => {
        const df = toks.filter((x) => x.includes(t)).length;
        if (df === 0) return sum;
        const idf = Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
        const tf = d.filter((x) => x === t).length;
        return sum + (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * d.length) / avgdl));
      }, 0),
    );
  }

  it('scores like the textbook formula', async () => {
    const idx = await Bm25Index.build(docs);
    for (const q of ['dog', 'dog beach', 'cat sofa dog', 'grass', 'unicorn']) {
      const hits = idx.score(q);
      const got = new Array<number>(docs.length).fill(0);
      hits.docs.forEach((d, i) => (got[d] = hits.scores[i]!));
      const ref = reference(q);
      got.forEach((g, i) => expect(g).toBeCloseTo(ref[i], 5));
      expect(hits.max).toBeCloseTo(Math.max(0, ...ref), 5);
    }
  });

  it('length-normalizes and saturates term frequency', async () => {
    const idx = await Bm25Index.build(docs);
    const hits = idx.score('dog');
    const score = (d: number): number => hits.scores[Array.from(hits.docs).indexOf(d)];
    expect(score(1)).toBeGreaterThan(score(0)); // two occurrences beat one
    expect(score(3)).toBeLessThan(3 * score(0)); // three occurrences in a long doc: far from 3x
  });
});

describe('lexical and hybrid ranking on a labelled set (server)', () => {
  // Concept axes of an 8-dimensional toy embedding.
  const AXES = ['dog', 'cat', 'beach', 'snow', 'kids', 'park', 'bike', 'sofa'] as const;
  const vec = (...concepts: Array<(typeof AXES)[number]>): Float32Array => {
    const v = new Float32Array(AXES.length);
    for (const c of concepts) v[AXES.indexOf(c)] = 1;
    return v;
  };
  const captions: Caption[] = [
    ['dog-beach', 'a dog runs on the beach', vec('dog', 'beach')],
    ['dog-beach', 'a brown dog playing in the sand', vec('dog', 'beach')],
    ['cat-sofa', 'a cat sleeps on a sofa', vec('cat', 'sofa')],
    ['cat-sofa', 'the cat is lying on the couch', vec('cat', 'sofa')],
    ['kids-park', 'children playing in the park', vec('kids', 'park')],
    ['kids-park', 'two kids run on the grass', vec('kids', 'park')],
    ['dog-snow', 'a black dog jumps in the snow', vec('dog', 'snow')],
    ['dog-snow', 'dogs playing in snow', vec('dog', 'snow')],
    ['man-bike', 'a man riding a bike', vec('bike')],
  ].map(([imageId, caption, vector], i) => ({ id: `c${i}`, imageId: imageId as string, caption: caption as string, vector: vector as Float32Array }));
  const MODEL = 'toy';
  let s: Running;

  beforeAll(async () => {
    s = await startSearch({ SEARCH_SNAPSHOT_DIR: tmpDir(), SEARCH_HYBRID_DENSE_WEIGHT: '0.7' });
    await index(s.client, MODEL, AXES.length, captions);
  });
  afterAll(() => s.close());

  const ids = (r: { hits: Array<{ imageId: string }> }): string[] => r.hits.map((h) => h.imageId);

  it('lexical mode ranks by BM25 and returns only images that share a term', async () => {
    const r = await call.query(s.client, { text: 'Dogs in the SNOW', k: 10, mode: 'MODE_LEXICAL' });
    expect(ids(r)).toEqual(['dog-snow', 'dog-beach']);
    expect(r.hits[0].caption).toMatch(/snow/);
    expect(r.hits[0].score).toBeGreaterThan(r.hits[1].score);
    expect(ids(await call.query(s.client, { text: 'couch', k: 10, mode: 'MODE_LEXICAL' }))).toEqual(['cat-sofa']);
    expect(ids(await call.query(s.client, { text: 'unicorn', k: 10, mode: 'MODE_LEXICAL' }))).toEqual([]);
  });

  it('hybrid mode fuses w·cosine + (1−w)·bm25/max and can reorder dense ties', async () => {
    // Dense alone ties dog-beach and dog-snow (cosine 0.707 each); the word "snow" breaks the tie.
    const dense = await call.query(s.client, { vector: bytesOf(vec('dog')), model: MODEL, k: 2 });
    expect(dense.hits[0].score).toBeCloseTo(dense.hits[1].score, 6);
    const hybrid = await call.query(s.client, { vector: bytesOf(vec('dog')), model: MODEL, text: 'snow', k: 3, mode: 'MODE_HYBRID' });
    expect(ids(hybrid)).toEqual(['dog-snow', 'dog-beach', 'cat-sofa'].slice(0, 2).concat(hybrid.hits[2].imageId));
    expect(hybrid.hits[0].score).toBeCloseTo(0.7 * Math.SQRT1_2 + 0.3, 5);
    expect(hybrid.hits[1].score).toBeCloseTo(0.7 * Math.SQRT1_2, 5);

    // Dense favours the cat, lexical the beach: the fused scores follow the formula exactly.
    const mixed = await call.query(s.client, { vector: bytesOf(vec('cat')), model: MODEL, text: 'beach', k: 2, mode: 'MODE_HYBRID' });
    expect(ids(mixed)).toEqual(['cat-sofa', 'dog-beach']);
    expect(mixed.hits[0].score).toBeCloseTo(0.7 * Math.SQRT1_2, 5);
    expect(mixed.hits[1].score).toBeCloseTo(0.3, 5);
    expect(mixed.hits[1].caption).toBe('a dog runs on the beach');
  });
});
