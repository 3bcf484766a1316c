import { FailedPreconditionError, InvalidInputError, NotFoundError } from '@tit/kit';
import { Bm25Index, type Bm25Params } from './bm25';
import type { GenerationBuilder } from './generation-builder';
import { TopK } from './top-k';
import { decodeVector, normalizeInPlace } from './vectors';
import { VectorStore } from './vector-store';
import type { GenerationInfo, ImageHit, ImageRecord, QueryInput, QueryResult } from './types';

/** What identifies a generation (stored in its snapshot). */
export interface GenerationMeta {
  id: string;
  model: string;
  dimensions: number;
  dataset: string;
  buildKey: string;
  createdAtMs: number;
  committedAtMs: number;
}

/**
 * Captions and images of a generation, captions grouped by image: image i owns captions
 * imageStart[i] ≤ c < imageStart[i + 1], in the order they were first upserted.
 */
export interface GenerationContent {
  imageIds: string[];
  imagePaths: string[];
  contentHashes: string[];
  imageStart: Int32Array;
  captionIds: string[];
  captions: string[];
  generated: Uint8Array;
}

/** Ranking options fixed per process. */
export interface RankingOptions {
  bm25: Bm25Params;
  /** w in hybrid = w · cosine + (1 − w) · bm25 / max bm25. */
  hybridDenseWeight: number;
  /** Fewest caption candidates asked of the approximate index (at least 10 × k are asked). */
  annCandidates: number;
}

/** The approximate-index operations a generation uses (see ann-index.ts). */
export interface ApproximateIndex {
  /** Ids (caption indices) of about the `m` nearest captions to the normalized query. */
  search(query: Float32Array, m: number): Int32Array;
  dispose(): void;
}

const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * One committed, immutable generation: its vector store, captions grouped by image, BM25 index and,
 * when large, an approximate index. Queries are synchronous and run to completion, so the shared
 * scratch buffers (query, scores) are never used by two queries at once.
 */
export class Generation {
  private readonly imageIndex = new Map<string, number>();
  private readonly hashIndex = new Map<string, number[]>();
  private readonly captionImage: Int32Array;
  private ann: ApproximateIndex | null = null;
  private lexScratch: Float32Array | null = null;

  private constructor(
    readonly meta: GenerationMeta,
    readonly content: GenerationContent,
    readonly store: VectorStore,
    private readonly bm25: Bm25Index,
    private readonly ranking: RankingOptions,
  ) {
    const { imageIds, contentHashes, imageStart } = content;
    this.captionImage = new Int32Array(store.count);
    for (let i = 0; i < imageIds.length; i++) {
      this.imageIndex.set(imageIds[i], i);
      const h = contentHashes[i];
      if (h) {
        const list = this.hashIndex.get(h);
        if (list) list.push(i);
        else this.hashIndex.set(h, [i]);
      }
      this.captionImage.fill(i, imageStart[i], imageStart[i + 1]);
    }
  }

  /** Assembles a generation from a filled store and its content (builds the BM25 index). */
  static async assemble(
    meta: GenerationMeta,
    content: GenerationContent,
    store: VectorStore,
    ranking: RankingOptions,
  ): Promise<Generation> {
    const bm25 = await Bm25Index.build(content.captions, ranking.bm25);
    return new Generation(meta, content, store, bm25, ranking);
  }

  /**
   * Compacts a builder into a generation: captions grouped by image (images in order of first
   * appearance), vectors copied into an exactly sized store. Yields while copying.
   */
  static async fromBuilder(b: GenerationBuilder, committedAtMs: number, ranking: RankingOptions): Promise<Generation> {
    const order = new Map<string, number[]>();
    for (let slot = 0; slot < b.captionCount; slot++) {
      const img = b.imageIds[slot];
      const list = order.get(img);
      if (list) list.push(slot);
      else order.set(img, [slot]);
    }
    const store = new VectorStore(b.captionCount, b.dimensions);
    const content: GenerationContent = {
      imageIds: [],
      imagePaths: [],
      contentHashes: [],
      imageStart: new Int32Array(order.size + 1),
      captionIds: new Array<string>(b.captionCount),
      captions: new Array<string>(b.captionCount),
      generated: new Uint8Array(b.captionCount),
    };
    let c = 0;
    for (const [img, slots] of order) {
      const meta = b.images.get(img)!;
      content.imageStart[content.imageIds.length] = c;
      content.imageIds.push(img);
      content.imagePaths.push(meta.imagePath);
      content.contentHashes.push(meta.contentHash);
      for (const slot of slots) {
        store.vectors.set(b.vectorAt(slot), c * store.stride);
        content.captionIds[c] = b.ids[slot]!;
        content.captions[c] = b.captions[slot]!;
        content.generated[c] = b.generated[slot] ? 1 : 0;
        c++;
        if (c % 16384 === 0) await yieldNow();
      }
    }
    content.imageStart[content.imageIds.length] = c;
    const meta: GenerationMeta = {
      id: b.id,
      model: b.model,
      dimensions: b.dimensions,
      dataset: b.dataset,
      buildKey: b.buildKey,
      createdAtMs: b.createdAtMs,
      committedAtMs,
    };
    return Generation.assemble(meta, content, store, ranking);
  }

  get id(): string {
    return this.meta.id;
  }

  get captionCount(): number {
    return this.store.count;
  }

  get imageCount(): number {
    return this.content.imageIds.length;
  }

  /** Bytes held: vector store, caption-to-image map, BM25 postings. */
  get bytes(): number {
    return this.store.bytes + this.captionImage.byteLength + this.bm25.bytes;
  }

  /** Whether an approximate index serves dense queries. */
  get approximate(): boolean {
    return this.ann !== null;
  }

  /** Attaches (or with null detaches) the approximate index; the previous one is disposed. */
  setApproximateIndex(ann: ApproximateIndex | null): void {
    if (this.ann && this.ann !== ann) this.ann.dispose();
    this.ann = ann;
  }

  /** Releases the approximate index (the store is garbage collected with the generation). */
  dispose(): void {
    this.setApproximateIndex(null);
  }

  info(state: GenerationInfo['state']): GenerationInfo {
    return {
      ...this.meta,
      state,
      captionCount: this.captionCount,
      imageCount: this.imageCount,
    };
  }

  image(imageId: string): ImageRecord {
    const i = this.imageIndex.get(imageId);
    if (i === undefined) throw new NotFoundError(`image "${imageId}" is not in generation ${this.id}`);
    return {
      imageId,
      imagePath: this.content.imagePaths[i],
      dataset: this.meta.dataset,
      contentHash: this.content.contentHashes[i],
      captions: this.captionsOf(i),
    };
  }

  private captionsOf(img: number): string[] {
    return this.content.captions.slice(this.content.imageStart[img], this.content.imageStart[img + 1]);
  }

  /** Decodes and checks the query vector against this generation's model and dimensions. */
  private queryVector(q: QueryInput): Float32Array {
    const dims = this.meta.dimensions;
    if (q.vector.byteLength % 4 !== 0) {
      throw new InvalidInputError(`vector has ${q.vector.byteLength} bytes, not a whole number of float32 values`);
    }
    const qDims = q.vector.byteLength / 4;
    if (q.model !== this.meta.model || qDims !== dims) {
      throw new FailedPreconditionError(
        `the query vector is from model "${q.model}" with ${qDims} dimensions, but generation ${this.id} ` +
          `holds model "${this.meta.model}" with ${dims} dimensions (${dims * 4} bytes)`,
      );
    }
    return normalizeInPlace(decodeVector(q.vector, dims, 'vector'), 'vector');
  }

  /** Image indices the query excludes, by id or content hash. */
  private excluded(q: QueryInput): Set<number> {
    const out = new Set<number>();
    for (const id of q.excludeImageIds) {
      const i = this.imageIndex.get(id);
      if (i !== undefined) out.add(i);
    }
    for (const h of q.excludeContentHashes) for (const i of this.hashIndex.get(h.toLowerCase()) ?? []) out.add(i);
    return out;
  }

  /**
   * Ranks images. Caption scores are computed for the mode (dense cosine, BM25, or their fusion),
   * then each candidate image's score is the max (or mean) over its captions; excluded images and
   * those under the threshold are skipped; a bounded heap keeps the best k.
   */
  query(q: QueryInput): QueryResult {
    const needsVector = q.mode !== 'lexical';
    const needsText = q.mode !== 'dense';
    if (needsVector && q.vector.byteLength === 0) throw new InvalidInputError(`mode ${q.mode} needs a query vector`);
    if (needsText && q.text.trim().length === 0) throw new InvalidInputError(`mode ${q.mode} needs query text`);
    const vector = needsVector ? this.queryVector(q) : null;
    const excluded = this.excluded(q);
    const { store } = this;
    let scores: Float32Array;
    let candidates: Iterable<number> | null = null; // null: every image
    let approximate = false;
    let lexDocs: Int32Array | null = null;

    switch (q.mode) {
      case 'dense': {
        store.setQuery(vector!);
        if (this.ann && !q.exact) {
          approximate = true;
          candidates = this.annCandidates(vector!, q.k, excluded);
          for (const img of candidates) store.scoreRange(this.content.imageStart[img], this.content.imageStart[img + 1]);
          scores = store.scores;
        } else {
          scores = store.scoreAll();
        }
        break;
      }
      case 'lexical': {
        const hits = this.bm25.score(q.text);
        scores = this.lexScratch ??= new Float32Array(store.count);
        const imgs = new Set<number>();
        for (let i = 0; i < hits.docs.length; i++) {
          scores[hits.docs[i]] = hits.scores[i]!;
          imgs.add(this.captionImage[hits.docs[i]]);
        }
        lexDocs = hits.docs;
        candidates = imgs;
        break;
      }
      case 'hybrid': {
        store.setQuery(vector!);
        scores = store.scoreAll();
        const w = this.ranking.hybridDenseWeight;
        for (let c = 0; c < scores.length; c++) scores[c] = w * scores[c];
        const hits = this.bm25.score(q.text);
        if (hits.max > 0) {
          const f = (1 - w) / hits.max;
          for (let i = 0; i < hits.docs.length; i++) scores[hits.docs[i]] = scores[hits.docs[i]] + f * hits.scores[i];
        }
        break;
      }
    }

    try {
      const hits = this.rank(scores, candidates, excluded, q, q.mode === 'lexical');
      return { hits, generationId: this.id, model: this.meta.model, approximate };
    } finally {
      if (lexDocs) for (const d of lexDocs) scores[d] = 0;
    }
  }

  /** Caption candidates from the approximate index, as the set of their images. */
  private annCandidates(vector: Float32Array, k: number, excluded: Set<number>): Set<number> {
    let extra = 0;
    for (const img of excluded) extra += this.content.imageStart[img + 1] - this.content.imageStart[img];
    const m = Math.min(this.captionCount, Math.max(this.ranking.annCandidates, 10 * k) + extra);
    const imgs = new Set<number>();
    for (const c of this.ann!.search(vector, m)) if (c >= 0 && c < this.captionCount) imgs.add(this.captionImage[c]);
    return imgs;
  }

  private rank(
    scores: Float32Array,
    candidates: Iterable<number> | null,
    excluded: Set<number>,
    q: QueryInput,
    positiveOnly: boolean,
  ): ImageHit[] {
    const { imageStart } = this.content;
    const mean = q.aggregation === 'mean';
    const threshold = q.threshold ?? -Infinity;
    const top = new TopK(q.k);
    const consider = (img: number): void => {
      if (excluded.has(img)) return;
      const s = imageStart[img];
      const e = imageStart[img + 1];
      let v: number;
      if (mean) {
        let sum = 0;
        for (let c = s; c < e; c++) sum += scores[c];
        v = sum / (e - s);
      } else {
        v = -Infinity;
        for (let c = s; c < e; c++) if (scores[c] > v) v = scores[c]!;
      }
      if (v < threshold || (positiveOnly && !(v > 0))) return;
      top.push(v, img);
    };
    if (candidates === null) for (let img = 0; img < this.imageCount; img++) consider(img);
    else for (const img of candidates) consider(img);

    return top.sorted().map(({ id: img, score }) => {
      const s = imageStart[img];
      const e = imageStart[img + 1];
      let best = s;
      for (let c = s + 1; c < e; c++) if (scores[c] > scores[best]) best = c;
      return {
        imageId: this.content.imageIds[img],
        score: Math.fround(score),
        caption: this.content.captions[best],
        captions: this.captionsOf(img),
        contentHash: this.content.contentHashes[img],
        imagePath: this.content.imagePaths[img],
      };
    });
  }
}
