/**
 * In-process index generations for the evaluation, built with the search service's own domain code
 * (GenerationBuilder → Generation.fromBuilder → Generation.query: the same BM25, vector store,
 * hybrid fusion and image ranking the service runs). Nothing touches a running search service or
 * its snapshots; every generation lives in this process's memory only.
 */
import { Generation, type RankingOptions } from '@tit/search/src/domain/generation';
import { GenerationBuilder } from '@tit/search/src/domain/generation-builder';
import type { ItemInput, Mode } from '@tit/search/src/domain/types';
import type { EvalImage } from './eval-dataset';

/** Caption vectors of the dataset: `of(i, j)` is caption j of image i. */
export interface CaptionVectors {
  model: string;
  dimensions: number;
  of(image: number, caption: number): Float32Array;
}

/**
 * Generations need a vector per caption. Without an embedding model (lexical-only runs) every
 * caption gets this one-dimensional unit vector: it never influences a lexical ranking.
 */
const PLACEHOLDER_MODEL = 'none (lexical only)';
const PLACEHOLDER_VECTOR = new Float32Array([1]);

const bytesOf = (v: Float32Array): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/**
 * Builds a generation holding every caption of `images` except, when `heldOut` is a number, the
 * caption of that index of each image (the query captions of one held-out choice).
 */
export async function buildEvalGeneration(
  images: readonly EvalImage[],
  opts: { heldOut: number | null; vectors: CaptionVectors | null; ranking: RankingOptions; dataset: string },
): Promise<Generation> {
  const { vectors, heldOut } = opts;
  const model = vectors?.model ?? PLACEHOLDER_MODEL;
  const dims = vectors?.dimensions ?? 1;
  const now = Date.now();
  const total = images.reduce((s, i) => s + i.captions.length, 0);
  const builder = new GenerationBuilder(`eval-${heldOut ?? 'all'}`, model, dims, opts.dataset, 'eval', now, {
    maxVectors: Math.max(1, total),
    maxCaptionChars: 1_000_000,
    maxIdChars: 65_536,
  });
  let batch: ItemInput[] = [];
  for (const [i, img] of images.entries()) {
    for (const [j, caption] of img.captions.entries()) {
      if (j === heldOut) continue;
      batch.push({
        id: `${img.id}#${j}`,
        imageId: img.id,
        caption,
        vector: bytesOf(vectors ? vectors.of(i, j) : PLACEHOLDER_VECTOR),
        imagePath: img.relPath,
        contentHash: '',
        generated: false,
      });
      if (batch.length >= 1024) {
        builder.upsert(batch, now);
        batch = [];
      }
    }
  }
  if (batch.length > 0) builder.upsert(batch, now);
  return Generation.fromBuilder(builder, now, opts.ranking);
}

/** One ranked image. */
export interface RankedImage {
  imageId: string;
  score: number;
}

/**
 * Ranks the generation's images for one query exactly as the service does (aggregation max, no
 * threshold, exact scan), returning up to `k` images best first. A query with no text in a mode
 * that needs text ranks nothing (the service would reject it; here it is a miss).
 */
export function rankImages(
  generation: Generation,
  q: { mode: Mode; text: string; vector: Float32Array | null; k: number },
): RankedImage[] {
  if (q.mode !== 'dense' && q.text.trim() === '') return [];
  if (q.mode !== 'lexical' && !q.vector) throw new Error(`mode ${q.mode} needs a query vector`);
  const result = generation.query({
    vector: q.mode === 'lexical' ? new Uint8Array(0) : bytesOf(q.vector!),
    model: generation.meta.model,
    text: q.text,
    k: q.k,
    mode: q.mode,
    aggregation: 'max',
    excludeImageIds: [],
    excludeContentHashes: [],
    exact: true,
  });
  return result.hits.map((h) => ({ imageId: h.imageId, score: h.score }));
}
