/**
 * The baseline of the end-to-end benchmarks: the same work as a gateway request, done in one
 * process by the services' own domain code, configured from the same environment the processes get
 * (their config loaders, their defaults): tokenize + embed (Embedder), search (SearchIndex restored
 * from the same snapshot), caption (Captioner). No HTTP, no gRPC, no JSON, no process hops.
 */
import { createLogger, sentenceBleu } from '@tit/kit';
import { loadServiceConfig as loadCaptionerConfig } from '@tit/captioner/src/config';
import { createCaptioner } from '@tit/captioner/src/create-captioner';
import type { Captioner } from '@tit/captioner/src/domain/captioner';
import { loadServiceConfig as loadEmbedderConfig } from '@tit/embedder/src/config';
import { createEmbedder } from '@tit/embedder/src/create-embedder';
import type { Embedder } from '@tit/embedder/src/domain/embedder';
import { createIndex } from '@tit/search/src/create-index';
import type { SearchIndex } from '@tit/search/src/domain/search-index';
import type { QueryResult } from '@tit/search/src/domain/types';
import { searchConfig } from './dataset';

const bytesOf = (v: Float32Array): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const since = (t: number): number => performance.now() - t;

/** The embedder domain exactly as services/embedder/src/main.ts wires it. */
export async function startEmbedder(env: NodeJS.ProcessEnv): Promise<Embedder> {
  const embedder = createEmbedder(loadEmbedderConfig(env));
  await embedder.start();
  return embedder;
}

/** The captioner domain exactly as services/captioner/src/main.ts wires it. */
export async function startCaptioner(env: NodeJS.ProcessEnv): Promise<Captioner> {
  const captioner = createCaptioner(loadCaptionerConfig(env));
  await captioner.start();
  return captioner;
}

/** The search index as the service builds it, restored from the service's snapshot folder. */
export async function startSearch(env: NodeJS.ProcessEnv): Promise<SearchIndex> {
  const config = searchConfig(env.SEARCH_SNAPSHOT_DIR ?? '', env);
  const index = createIndex(config, createLogger('bench-search', 'warn'), null);
  await index.restore();
  return index;
}

/** Stage times of one in-process image query, ms. */
export interface ImageStages {
  decodeMs: number;
  preprocessMs: number;
  encodeMs: number;
  generateMs: number;
  /** Caption call total (the four above plus the captioner's own bookkeeping). */
  captionMs: number;
  embedMs: number;
  searchMs: number;
  bleuMs: number;
  totalMs: number;
}

export class InProcessPipeline {
  private constructor(
    readonly embedder: Embedder,
    readonly index: SearchIndex,
    readonly captioner: Captioner | null,
  ) {}

  /** A pipeline over already started parts (its close() closes them all). */
  static of(embedder: Embedder, index: SearchIndex, captioner: Captioner | null): InProcessPipeline {
    return new InProcessPipeline(embedder, index, captioner);
  }

  /** One dense search, as the search service runs it for the gateway. */
  search(vector: Float32Array, model: string, text: string, k: number, threshold: number | undefined, excludeHash?: string): QueryResult {
    return this.index.query({
      vector: bytesOf(vector),
      model,
      text,
      k,
      threshold,
      mode: 'dense',
      aggregation: 'max',
      excludeImageIds: [],
      excludeContentHashes: excludeHash ? [excludeHash] : [],
    });
  }

  /** Text → images: embed the query, search. */
  async textQuery(query: string, k: number, threshold: number): Promise<QueryResult> {
    const { vectors, model } = await this.embedder.embed([query], '');
    return this.search(vectors[0], model.id, query, k, threshold);
  }

  /** Image → text: caption, embed the caption, search (excluding the image itself), BLEU per hit. */
  async imageQuery(image: Uint8Array, k: number): Promise<{ caption: string; stages: ImageStages; hits: number }> {
    if (!this.captioner) throw new Error('the pipeline was started without a captioner');
    const t0 = performance.now();
    const cap = await this.captioner.caption({ image });
    const captionMs = since(t0);
    let t = performance.now();
    const { vectors, model } = await this.embedder.embed([cap.caption], '');
    const embedMs = since(t);
    t = performance.now();
    const result = this.search(vectors[0], model.id, cap.caption, k, undefined, cap.contentHash);
    const searchMs = since(t);
    t = performance.now();
    for (const h of result.hits) sentenceBleu(h.captions, cap.caption);
    const bleuMs = since(t);
    return {
      caption: cap.caption,
      hits: result.hits.length,
      stages: { ...cap.timings, captionMs, embedMs, searchMs, bleuMs, totalMs: since(t0) },
    };
  }

  async close(): Promise<void> {
    await this.embedder.close();
    await this.captioner?.close();
    this.index.close();
  }
}
