import { tokenize } from './tokenizer';

/** BM25 parameters: term-frequency saturation k1 and length normalization b. */
export interface Bm25Params {
  k1: number;
  b: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** Yields to the event loop, so building a large index does not stall queries on the served one. */
const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A copy of `a` with room for `size` entries, the new ones set to `fill`. */
function grow(a: Int32Array<ArrayBuffer>, size: number, fill: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(size);
  out.set(a);
  if (fill !== 0) out.fill(fill, a.length);
  return out;
}

/**
 * An inverted index over caption texts with Okapi BM25 scoring:
 *
 *   score(q, d) = Σ_{t ∈ q} idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
 *   idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))      (never negative)
 *
 * Query terms are counted once each (a repeated query word does not weigh more). Each posting's
 * weight is precomputed at build time, so a query is a sum over the postings of its terms.
 * Postings are stored as CSR arrays (document ids and weights, 8 bytes per posting).
 */
export class Bm25Index {
  private readonly terms = new Map<string, number>();
  private termStart = new Int32Array(1);
  private postDoc = new Int32Array(0);
  private postWeight = new Float32Array(0);
  private scratch: Float32Array;
  private touched: Int32Array;

  private constructor(
    readonly docCount: number,
    readonly params: Bm25Params,
  ) {
    this.scratch = new Float32Array(docCount);
    this.touched = new Int32Array(docCount);
  }

  /**
   * Builds the index over `docs` (document i = docs[i]); yields every few thousand documents.
   * Term ids go into one flat array and document frequencies are counted with a last-seen marker,
   * so the build leaves almost no garbage behind (per-document arrays and sets grew the V8 heap by
   * ten times the index's own size on 40k captions).
   */
  static async build(docs: readonly string[], params: Bm25Params = DEFAULT_BM25): Promise<Bm25Index> {
    const index = new Bm25Index(docs.length, params);
    const N = docs.length;
    let flat = new Int32Array(Math.max(64, N * 8));
    const docStart = new Int32Array(N + 1);
    let df = new Int32Array(1024);
    let lastDoc = new Int32Array(1024).fill(-1);
    let n = 0;
    for (let d = 0; d < N; d++) {
      if (d % 4096 === 4095) await yieldNow();
      for (const tok of tokenize(docs[d])) {
        let id = index.terms.get(tok);
        if (id === undefined) {
          id = index.terms.size;
          index.terms.set(tok, id);
          if (id === df.length) {
            df = grow(df, df.length * 2, 0);
            lastDoc = grow(lastDoc, lastDoc.length * 2, -1);
          }
        }
        if (n === flat.length) flat = grow(flat, flat.length * 2, 0);
        flat[n++] = id;
        if (lastDoc[id] !== d) {
          lastDoc[id] = d;
          df[id]++;
        }
      }
      docStart[d + 1] = n;
    }
    const nTerms = index.terms.size;
    const start = new Int32Array(nTerms + 1);
    for (let t = 0; t < nTerms; t++) start[t + 1] = start[t] + df[t];
    const postDoc = new Int32Array(start[nTerms]);
    const postWeight = new Float32Array(start[nTerms]);
    const fill = start.slice(0, nTerms);
    const tf = new Int32Array(nTerms);
    const avgdl = N > 0 ? n / N || 1 : 1;
    const { k1, b } = params;
    for (let d = 0; d < N; d++) {
      if (d % 4096 === 4095) await yieldNow();
      const s = docStart[d];
      const e = docStart[d + 1];
      for (let p = s; p < e; p++) tf[flat[p]]++;
      const norm = k1 * (1 - b + (b * (e - s)) / avgdl);
      for (let p = s; p < e; p++) {
        const id = flat[p];
        const f = tf[id];
        if (f === 0) continue; // already written for this document
        tf[id] = 0;
        const idf = Math.log(1 + (N - df[id] + 0.5) / (df[id] + 0.5));
        const at = fill[id]++;
        postDoc[at] = d;
        postWeight[at] = (idf * f * (k1 + 1)) / (f + norm);
      }
    }
    index.termStart = start;
    index.postDoc = postDoc;
    index.postWeight = postWeight;
    return index;
  }

  /** Distinct terms in the vocabulary. */
  get vocabularySize(): number {
    return this.terms.size;
  }

  /** Approximate bytes held by the postings and scratch buffers. */
  get bytes(): number {
    return (
      this.termStart.byteLength +
      this.postDoc.byteLength +
      this.postWeight.byteLength +
      this.scratch.byteLength +
      this.touched.byteLength
    );
  }

  /**
   * Scores `text` against every document. Returns the documents sharing at least one term with it
   * (every other document scores 0), their scores, and the highest score (0 when none match).
   * Uses one scratch buffer per index, which is safe because a query runs to completion on the
   * event loop without awaiting.
   */
  score(text: string): Bm25Hits {
    const { scratch, touched, termStart, postDoc, postWeight } = this;
    let n = 0;
    const seen = new Set<number>();
    for (const tok of tokenize(text)) {
      const id = this.terms.get(tok);
      if (id === undefined || seen.has(id)) continue;
      seen.add(id);
      for (let p = termStart[id], end = termStart[id + 1]; p < end; p++) {
        const d = postDoc[p];
        if (scratch[d] === 0) touched[n++] = d;
        scratch[d] += postWeight[p];
      }
    }
    const docs = touched.slice(0, n);
    const scores = new Float32Array(n);
    let max = 0;
    for (let i = 0; i < n; i++) {
      const d = docs[i];
      scores[i] = scratch[d]!;
      scratch[d] = 0;
      if (scores[i] > max) max = scores[i]!;
    }
    return { docs, scores, max };
  }
}

/** The documents a query matched. */
export interface Bm25Hits {
  /** Matching document ids, in no particular order. */
  docs: Int32Array;
  /** BM25 score of docs[i]. */
  scores: Float32Array;
  /** The highest score, 0 when nothing matched. */
  max: number;
}
