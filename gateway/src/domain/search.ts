/**
 * The two search flows, written against the Backends port (no transport knowledge).
 *
 * Text -> images: embed the query (skipped in lexical mode, which needs no vector), then ask the
 * index for the k best images.
 * Image -> text: caption the image, embed the caption, ask the index for the k best images (never
 * the uploaded image itself, excluded by content hash), and score each result's reference captions
 * against the generated caption with sentence BLEU-4.
 */
import { sentenceBleu } from '@tit/kit';
import type { Backends, CaptionResult, SearchHit, SearchMode, SearchResult, TextEmbedding } from './ports';

export interface TextSearchInput {
  query: string;
  k: number;
  threshold?: number;
  mode: SearchMode;
}

export interface TextSearchOutput {
  result: SearchResult;
  timings: { embedMs: number; searchMs: number };
}

export interface ImageSearchInput {
  image: Buffer;
  k: number;
  threshold?: number;
  mode: SearchMode;
  model?: string;
}

export interface ImageHitWithBleu extends SearchHit {
  /** Sentence BLEU-4 of the generated caption against this image's reference captions. */
  bleu: number;
}

export interface ImageSearchOutput {
  caption: CaptionResult;
  hits: ImageHitWithBleu[];
  generationId: string;
  timings: {
    /** Round trip of the Caption call, as seen by the gateway. */
    captionMs: number;
    /** Inside the captioner (0 when its cache answered). */
    decodeMs: number;
    preprocessMs: number;
    encodeMs: number;
    generateMs: number;
    embedMs: number;
    searchMs: number;
    bleuMs: number;
  };
}

const since = (t: number): number => +(performance.now() - t).toFixed(3);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, since(t)];
}

/** Text -> images. */
export async function searchByText(backends: Backends, input: TextSearchInput): Promise<TextSearchOutput> {
  let embedding: TextEmbedding | undefined;
  let embedMs = 0;
  if (input.mode !== 'lexical') [embedding, embedMs] = await timed(() => backends.embed(input.query));
  const [result, searchMs] = await timed(() =>
    backends.query({ embedding, text: input.query, k: input.k, threshold: input.threshold, mode: input.mode }),
  );
  return { result, timings: { embedMs, searchMs } };
}

/** Image -> text, with BLEU of the generated caption against each result's references. */
export async function searchByImage(backends: Backends, input: ImageSearchInput): Promise<ImageSearchOutput> {
  const [caption, captionMs] = await timed(() => backends.caption(input.image, input.model));
  let embedding: TextEmbedding | undefined;
  let embedMs = 0;
  if (input.mode !== 'lexical') [embedding, embedMs] = await timed(() => backends.embed(caption.caption));
  const [result, searchMs] = await timed(() =>
    backends.query({
      embedding,
      text: caption.caption,
      k: input.k,
      threshold: input.threshold,
      mode: input.mode,
      excludeContentHashes: caption.contentHash ? [caption.contentHash] : [],
    }),
  );
  const t = performance.now();
  const hits = result.hits.map((h) => ({ ...h, bleu: sentenceBleu(h.captions, caption.caption) }));
  const bleuMs = since(t);
  return {
    caption,
    hits,
    generationId: result.generationId,
    timings: { captionMs, ...caption.timings, embedMs, searchMs, bleuMs },
  };
}
