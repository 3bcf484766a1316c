/**
 * Bench data: Flickr8k captions (when ../shared/datasets is present, else generated caption-like
 * sentences of the same count), synthetic clustered sentence-embedding-like vectors, and search
 * generations written through the search service's own write path (SearchIndex begin → upsert →
 * commit with a snapshot), so a search process can restore them at start-up as it would in
 * production.
 *
 * Vectors are synthetic: exact search reads every byte whatever the values are, and the cluster
 * structure (topics → images → captions) gives the approximate index neighbourhoods shaped like
 * those of real caption embeddings. Relevance is the eval's business (pnpm eval), not the bench's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createLogger, REPO_ROOT } from '@tit/kit';
import { loadServiceConfig as loadSearchConfig, type SearchConfig } from '@tit/search/src/config';
import { createIndex } from '@tit/search/src/create-index';
import type { SearchIndex, UpsertChunk } from '@tit/search/src/domain/search-index';
import type { ItemInput } from '@tit/search/src/domain/types';
import { prng } from '../stats';

/** Flickr8k's caption count: the collection size of the original app. */
export const FLICKR8K_CAPTIONS = 40_455;
export const FLICKR8K_CAPTIONS_FILE = path.resolve(REPO_ROOT, '../shared/datasets/flickr8k-full/captions.txt');

export interface CaptionSet {
  images: Array<{ id: string; captions: string[] }>;
  count: number;
  source: string;
}

/** Flickr8k's captions grouped by image, or `fallbackCount` generated ones (5 per image). */
export function loadCaptions(fallbackCount = FLICKR8K_CAPTIONS, file = FLICKR8K_CAPTIONS_FILE): CaptionSet {
  if (fs.existsSync(file)) {
    const byImage = new Map<string, string[]>();
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const comma = line.indexOf(',');
      if (comma < 0) continue;
      const id = line.slice(0, comma).replace(/\.jpg$/, '');
      const caption = line.slice(comma + 1).replace(/^"|"$/g, '').trim();
      if (!caption) continue;
      const list = byImage.get(id);
      if (list) list.push(caption);
      else byImage.set(id, [caption]);
    }
    const images = [...byImage].map(([id, captions]) => ({ id, captions }));
    return { images, count: images.reduce((s, i) => s + i.captions.length, 0), source: `Flickr8k captions (${path.relative(REPO_ROOT, file)})` };
  }
  return generatedCaptions(fallbackCount);
}

/** `count` generated caption-like sentences, 5 per image (tests, and when Flickr8k is absent). */
export function generatedCaptions(count: number): CaptionSet {
  const r = prng(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const who = ['A dog', 'Two children', 'A man in a red shirt', 'A woman', 'A group of people', 'A black and white dog', 'A little girl', 'A surfer'];
  const what = ['runs along', 'is playing on', 'jumps over', 'sits near', 'walks across', 'is climbing', 'stands in front of', 'rides'];
  const where = ['the beach', 'a grassy field', 'a busy street', 'the water', 'a rock', 'the snow', 'a wooden fence', 'a big wave'];
  const images: CaptionSet['images'] = [];
  for (let i = 0; i * 5 < count; i++) {
    const n = Math.min(5, count - i * 5);
    images.push({ id: `gen${i}`, captions: Array.from({ length: n }, () => `${pick(who)} ${pick(what)} ${pick(where)} .`) });
  }
  return { images, count, source: 'generated caption-like sentences' };
}

/** Up to `n` distinct caption texts spread over the set (query texts). */
export function sampleTexts(set: CaptionSet, n: number): string[] {
  const all = set.images.flatMap((i) => i.captions);
  return Array.from({ length: Math.min(n, all.length) }, (_, i) => all[Math.floor((i * all.length) / Math.min(n, all.length))]);
}

const TABLE_BITS = 20;
const TOPICS = 1000;

/**
 * Clustered unit vectors: a topic per image (1000 topics on the sphere), image noise around it and
 * caption noise around the image, drawn from a precomputed gaussian table so that billions of
 * values take seconds. Deterministic in (seed, caption index, image index).
 */
export class ClusteredVectors {
  private readonly table = new Float32Array(1 << TABLE_BITS);
  private readonly topics: Float32Array;

  constructor(
    readonly dimensions: number,
    seed = 42,
  ) {
    const r = prng(seed);
    for (let i = 0; i < this.table.length; i += 2) {
      // Box–Muller: two independent standard normals per pair of uniforms.
      const u = Math.max(r(), 1e-12);
      const v = r();
      const m = Math.sqrt(-2 * Math.log(u));
      this.table[i] = m * Math.cos(2 * Math.PI * v);
      this.table[i + 1] = m * Math.sin(2 * Math.PI * v);
    }
    this.topics = new Float32Array(TOPICS * dimensions);
    for (let t = 0; t < TOPICS; t++) {
      let s = 0;
      for (let j = 0; j < dimensions; j++) {
        const x = this.table[Math.floor(r() * this.table.length)];
        this.topics[t * dimensions + j] = x;
        s += x * x;
      }
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < dimensions; j++) this.topics[t * dimensions + j] *= inv;
    }
  }

  private static hash(x: number): number {
    let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** Writes caption `caption` of image `image` (unit length) at `out[at..at+dimensions)`. */
  fill(out: Float32Array, at: number, caption: number, image: number): void {
    const d = this.dimensions;
    const mask = (1 << TABLE_BITS) - 1;
    const topic = (ClusteredVectors.hash(image) % TOPICS) * d;
    const oi = ClusteredVectors.hash(image * 2 + 1);
    const oc = ClusteredVectors.hash(caption * 2 + 2);
    // Noise scales from the search bench: images 0.05, captions 0.035 around them (per dimension,
    // at 384 dims: image–topic cosine ≈ 0.48, caption–image ≈ 0.9).
    const si = 0.05 * Math.sqrt(384 / d);
    const sc = 0.035 * Math.sqrt(384 / d);
    let s = 0;
    for (let j = 0; j < d; j++) {
      const x = this.topics[topic + j] + si * this.table[(oi + j) & mask] + sc * this.table[(oc + j) & mask];
      out[at + j] = x;
      s += x * x;
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) out[at + j] *= inv;
  }

  /** One vector as a new array. */
  vector(caption: number, image: number): Float32Array {
    const v = new Float32Array(this.dimensions);
    this.fill(v, 0, caption, image);
    return v;
  }

  /** A query near caption `caption` of image `image`: the caption's vector plus small noise. */
  queryNear(caption: number, image: number, seed: number): Float32Array {
    const v = this.vector(caption, image);
    const r = prng(seed + 1);
    let s = 0;
    for (let j = 0; j < v.length; j++) {
      v[j] = v[j] + (r() - 0.5) * 0.02;
      s += v[j] * v[j];
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < v.length; j++) v[j] *= inv;
    return v;
  }
}

/** The search service's configuration for a bench: its defaults plus `env`, snapshots in `dir`. */
export function searchConfig(dir: string, env: NodeJS.ProcessEnv = {}): SearchConfig {
  return loadSearchConfig({ SEARCH_SNAPSHOT_DIR: dir, SEARCH_NOTIFY: 'false', LOG_LEVEL: 'warn', ...env });
}

/** A collection to index: `count` captions in images of `perImage`, texts cycled from `texts`. */
export interface SyntheticCollection {
  count: number;
  perImage: number;
  texts: readonly string[];
  vectors: ClusteredVectors;
  model: string;
  /** Image ids, paths and caption texts; default synthetic. */
  imageIdOf?: (image: number) => string;
  captionOf?: (caption: number) => string;
}

export interface WriteTimings {
  upsertMs: number;
  /** Compaction into the store, BM25, snapshot write + fsync, CURRENT. */
  commitMs: number;
  snapshotBytes: number;
}

/**
 * Indexes the collection into a SearchIndex (writer) through begin → upsert (chunks of 512, the
 * indexer's message size) → commit; the snapshot lands in the index's snapshot folder.
 */
export async function indexCollection(
  index: SearchIndex,
  c: SyntheticCollection,
  dataset: string,
  snapshotDir: string | null,
): Promise<WriteTimings> {
  const g = index.begin({ model: c.model, dimensions: c.vectors.dimensions, dataset, buildKey: '' });
  const imageIdOf = c.imageIdOf ?? ((i: number) => `img${i}`);
  const captionOf = c.captionOf ?? ((i: number) => c.texts[i % c.texts.length]);
  const dims = c.vectors.dimensions;
  async function* chunks(): AsyncGenerator<UpsertChunk> {
    for (let start = 0; start < c.count; start += 512) {
      const n = Math.min(512, c.count - start);
      const buf = new Float32Array(n * dims);
      const items: ItemInput[] = [];
      for (let k = 0; k < n; k++) {
        const i = start + k;
        const img = Math.floor(i / c.perImage);
        c.vectors.fill(buf, k * dims, i, img);
        const imageId = imageIdOf(img);
        items.push({
          id: `${imageId}#${i % c.perImage}`,
          imageId,
          caption: captionOf(i),
          vector: new Uint8Array(buf.buffer, k * dims * 4, dims * 4),
          imagePath: `Images/${imageId}.jpg`,
          contentHash: '',
          generated: false,
        });
      }
      yield { generationId: g.id, items };
    }
  }
  let t = performance.now();
  await index.upsert(chunks());
  const upsertMs = performance.now() - t;
  t = performance.now();
  await index.commit(g.id);
  const commitMs = performance.now() - t;
  let snapshotBytes = 0;
  if (snapshotDir && fs.existsSync(snapshotDir)) {
    for (const f of fs.readdirSync(snapshotDir)) snapshotBytes = Math.max(snapshotBytes, fs.statSync(path.join(snapshotDir, f)).size);
  }
  return { upsertMs, commitMs, snapshotBytes };
}

/** Writes `set` (grouped as in the dataset) with synthetic vectors as the served generation in `dir`. */
export async function writeCaptionSnapshot(dir: string, set: CaptionSet, model: string, dimensions: number): Promise<void> {
  const config = searchConfig(dir, { SEARCH_MAX_VECTORS: String(Math.max(set.count, 1)) });
  const index = createIndex(config, createLogger('bench-search', 'warn'), null);
  const imageOf: number[] = [];
  const captions: string[] = [];
  const ids: string[] = [];
  set.images.forEach((im, i) =>
    im.captions.forEach((c) => {
      imageOf.push(i);
      captions.push(c);
      ids.push(im.id);
    }),
  );
  const vectors = new ClusteredVectors(dimensions, 7);
  // Images of the dataset keep their caption grouping; perImage is only used for synthetic ids.
  const g = index.begin({ model, dimensions, dataset: set.source, buildKey: '' });
  async function* chunks(): AsyncGenerator<UpsertChunk> {
    for (let start = 0; start < captions.length; start += 512) {
      const n = Math.min(512, captions.length - start);
      const buf = new Float32Array(n * dimensions);
      const items: ItemInput[] = [];
      for (let k = 0; k < n; k++) {
        const i = start + k;
        vectors.fill(buf, k * dimensions, i, imageOf[i]);
        items.push({
          id: `${ids[i]}#${i}`,
          imageId: ids[i],
          caption: captions[i],
          vector: new Uint8Array(buf.buffer, k * dimensions * 4, dimensions * 4),
          imagePath: `Images/${ids[i]}.jpg`,
          contentHash: '',
          generated: false,
        });
      }
      yield { generationId: g.id, items };
    }
  }
  await index.upsert(chunks());
  await index.commit(g.id);
  index.close();
}
