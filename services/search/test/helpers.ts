import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { bindServer, createClient, createLogger, loadSearchProto, unaryCall, type Health } from '@tit/kit';
import type { GenerationInfo__Output } from '@tit/kit/src/generated/search/v1/GenerationInfo';
import type { Item } from '@tit/kit/src/generated/search/v1/Item';
import type { QueryRequest } from '@tit/kit/src/generated/search/v1/QueryRequest';
import type { QueryResponse__Output } from '@tit/kit/src/generated/search/v1/QueryResponse';
import type { SearchServiceClient } from '@tit/kit/src/generated/search/v1/SearchService';
import type { Stats__Output } from '@tit/kit/src/generated/search/v1/Stats';
import type { UpsertRequest } from '@tit/kit/src/generated/search/v1/UpsertRequest';
import type { UpsertResponse__Output } from '@tit/kit/src/generated/search/v1/UpsertResponse';
import { loadServiceConfig } from '../src/config';
import { buildServer } from '../src/server';
import { createSearchService, type SearchService } from '../src/service';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomVector(rand: () => number, dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = rand() * 2 - 1;
  return v;
}

export const bytesOf = (v: Float32Array | number[]): Buffer => Buffer.from(Float32Array.from(v).buffer);

const madeDirs: string[] = [];

/** A fresh temporary folder, removed after the test file. */
export function tmpDir(prefix = 'tit-search-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const d of madeDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export interface Running {
  client: SearchServiceClient;
  service: SearchService;
  health: Health;
  port: number;
  close(): Promise<void>;
}

/** Starts a real search server on 127.0.0.1:0 with the given environment overrides. */
export async function startSearch(env: Record<string, string>, opts: { start?: boolean } = {}): Promise<Running> {
  const config = loadServiceConfig({ LOG_LEVEL: 'silent', SEARCH_NOTIFY: 'false', ...env });
  const log = createLogger('search', config.LOG_LEVEL);
  const service = createSearchService(config, log);
  const { server, health } = buildServer({ log, index: service.index });
  const port = await bindServer(server, '127.0.0.1', 0);
  if (opts.start !== false) {
    try {
      await service.start();
    } catch (err) {
      server.forceShutdown();
      await service.close();
      throw err;
    }
    health.set('SERVING');
  }
  const client = createClient(loadSearchProto().search.v1.SearchService, `127.0.0.1:${port}`);
  return {
    client,
    service,
    health,
    port,
    async close() {
      client.close();
      server.forceShutdown();
      await service.close();
    },
  };
}

const D = { deadline: 10_000 };

export const call = {
  query: (c: SearchServiceClient, req: QueryRequest): Promise<QueryResponse__Output> => unaryCall(c, c.query.bind(c), req, D),
  begin: (
    c: SearchServiceClient,
    req: { model: string; dimensions: number; dataset?: string; buildKey?: string },
  ): Promise<GenerationInfo__Output> => unaryCall(c, c.beginGeneration.bind(c), req, D),
  commit: (c: SearchServiceClient, generationId: string): Promise<GenerationInfo__Output> =>
    unaryCall(c, c.commit.bind(c), { generationId }, D),
  abort: (c: SearchServiceClient, generationId: string): Promise<GenerationInfo__Output> =>
    unaryCall(c, c.abort.bind(c), { generationId }, D),
  rollback: (c: SearchServiceClient): Promise<GenerationInfo__Output> => unaryCall(c, c.rollback.bind(c), {}, D),
  stats: (c: SearchServiceClient): Promise<Stats__Output> => unaryCall(c, c.getStats.bind(c), {}, D),
  image: (c: SearchServiceClient, imageId: string) => unaryCall(c, c.getImage.bind(c), { imageId }, D),
};

/** An open Upsert stream: write messages, then end() for the response. */
export function openUpsert(c: SearchServiceClient): {
  write(msg: UpsertRequest): void;
  end(): Promise<UpsertResponse__Output>;
} {
  let resolve!: (r: UpsertResponse__Output) => void;
  let reject!: (e: Error) => void;
  const done = new Promise<UpsertResponse__Output>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const stream: grpc.ClientWritableStream<UpsertRequest> = c.upsert((err, res) => (err ? reject(err) : resolve(res!)));
  return {
    write: (msg) => stream.write(msg),
    end: () => {
      stream.end();
      return done;
    },
  };
}

export async function upsert(c: SearchServiceClient, generationId: string, items: Item[], chunk = 100): Promise<UpsertResponse__Output> {
  const s = openUpsert(c);
  for (let i = 0; i < items.length; i += chunk) s.write({ generationId, items: items.slice(i, i + chunk) });
  return s.end();
}

/** A caption of the test corpora. */
export interface Caption {
  id: string;
  imageId: string;
  caption: string;
  vector: Float32Array;
  contentHash?: string;
}

export const toItem = (c: Caption): Item => ({
  id: c.id,
  imageId: c.imageId,
  caption: c.caption,
  vector: bytesOf(c.vector),
  imagePath: `${c.imageId}.jpg`,
  contentHash: c.contentHash ?? `hash-${c.imageId}`,
  generated: false,
});

/** Begins, upserts and commits a generation; returns its id. */
export async function index(c: SearchServiceClient, model: string, dims: number, captions: Caption[]): Promise<string> {
  const g = await call.begin(c, { model, dimensions: dims, dataset: 'test' });
  await upsert(c, g.id, captions.map(toItem));
  await call.commit(c, g.id);
  return g.id;
}

/** Random corpus: `images` images with 1..maxCaptions captions each. */
export function randomCorpus(seed: number, images: number, dims: number, maxCaptions = 5): Caption[] {
  const rand = rng(seed);
  const out: Caption[] = [];
  for (let i = 0; i < images; i++) {
    const n = 1 + Math.floor(rand() * maxCaptions);
    for (let j = 0; j < n; j++) {
      out.push({ id: `img${i}#${j}`, imageId: `img${i}`, caption: `caption ${j} of image ${i}`, vector: randomVector(rand, dims) });
    }
  }
  return out;
}

/** Brute-force reference ranking in float64. */
export function referenceRanking(
  corpus: Caption[],
  query: Float32Array,
  opts: { k: number; threshold?: number; mean?: boolean; exclude?: Set<string> },
): Array<{ imageId: string; score: number }> {
  const norm = (v: Float32Array): number[] => {
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    return Array.from(v, (x) => x / n);
  };
  const q = norm(query);
  const byImage = new Map<string, number[]>();
  for (const c of corpus) {
    const v = norm(c.vector);
    const s = v.reduce((acc, x, i) => acc + x * q[i], 0);
    byImage.set(c.imageId, [...(byImage.get(c.imageId) ?? []), s]);
  }
  return [...byImage]
    .filter(([id]) => !opts.exclude?.has(id))
    .map(([imageId, s]) => ({
      imageId,
      score: opts.mean ? s.reduce((a, b) => a + b, 0) / s.length : Math.max(...s),
    }))
    .filter((r) => opts.threshold === undefined || r.score >= opts.threshold)
    .sort((a, b) => b.score - a.score)
    .slice(0, opts.k);
}

/** Asserts a response equals a reference ranking (ids, and scores to 1e-5). */
export function expectSameRanking(
  hits: Array<{ imageId: string; score: number }>,
  ref: Array<{ imageId: string; score: number }>,
): void {
  expect(hits.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    expect(hits[i].score).toBeCloseTo(ref[i].score, 5);
    // Ids must agree unless two reference scores are too close for float32 to order reliably.
    const gapBefore = i > 0 ? ref[i - 1].score - ref[i].score : Infinity;
    const gapAfter = i + 1 < ref.length ? ref[i].score - ref[i + 1].score : Infinity;
    if (Math.min(gapBefore, gapAfter) > 1e-5) expect(hits[i].imageId).toBe(ref[i].imageId);
  }
}

/** Polls `fn` until it returns true or `ms` passes. */
export async function eventually(fn: () => Promise<boolean> | boolean, ms = 5000, every = 25): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return fn();
}
