/**
 * Small deterministic fakes of the three services, served by REAL gRPC servers on 127.0.0.1:0 with
 * the project's protos (the real services are built elsewhere; the e2e suite runs those).
 *
 * - embedder: hashed bag of words (stop words dropped), L2-normalized, 64 dimensions.
 * - search:   every dataset caption embedded with the same function; dense = cosine, lexical =
 *             share of query words found in the caption, hybrid = their mean; max over an image's
 *             captions; threshold, k and content-hash exclusion as the proto describes.
 * - captioner: "a <colour> ball on the grass", the colour being the image's dominant channel;
 *             bytes sharp cannot decode are INVALID_ARGUMENT.
 * Faults (a status, a delay) can be injected per method; every call's request id and deadline
 * are recorded so tests can check what the gateway propagates.
 */
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import {
  Health,
  bindServer,
  createLogger,
  grpcError,
  loadCaptionerProto,
  loadEmbedderProto,
  loadSearchProto,
  newServer,
  unary,
} from '@tit/kit';
import type { CaptionRequest__Output } from '@tit/kit/src/generated/captioner/v1/CaptionRequest';
import type { CaptionResponse } from '@tit/kit/src/generated/captioner/v1/CaptionResponse';
import type { EmbedRequest__Output } from '@tit/kit/src/generated/embedder/v1/EmbedRequest';
import type { EmbedResponse } from '@tit/kit/src/generated/embedder/v1/EmbedResponse';
import type { GenerationInfo } from '@tit/kit/src/generated/search/v1/GenerationInfo';
import type { GetImageRequest__Output } from '@tit/kit/src/generated/search/v1/GetImageRequest';
import type { ImageRecord } from '@tit/kit/src/generated/search/v1/ImageRecord';
import type { QueryRequest__Output } from '@tit/kit/src/generated/search/v1/QueryRequest';
import type { QueryResponse } from '@tit/kit/src/generated/search/v1/QueryResponse';
import type { Stats } from '@tit/kit/src/generated/search/v1/Stats';

export const FAKE_DIMS = 64;
export const FAKE_EMBED_MODEL = 'fake/minilm';
export const FAKE_CAPTION_MODELS = ['fake/blip', 'fake/vit-gpt2'];
export const FAKE_GENERATION_ID = 'gen-0001';

/** An image of the fake index. */
export interface FakeImage {
  imageId: string;
  /** Relative to the dataset root (may be hostile, for traversal tests). */
  imagePath: string;
  captions: string[];
  contentHash: string;
}

export type ServiceName = 'captioner' | 'embedder' | 'search';

export interface Fault {
  /** Answer with this status (after the delay); absent: answer normally after the delay. */
  code?: grpc.status;
  message?: string;
  /** Metadata of the error (e.g. x-error-kind: too_large). */
  metadata?: Record<string, string>;
  delayMs?: number;
  /** How many calls it applies to; default every call. */
  times?: number;
}

export interface RecordedCall {
  service: ServiceName;
  method: string;
  requestId: string | undefined;
  /** ms from the call's arrival to its deadline; Infinity when none. */
  deadlineInMs: number;
}

const STOP = new Set(['a', 'an', 'the', 'on', 'in', 'of', 'is', 'are', 'and', 'with', 'to', 'at']);
const words = (t: string): string[] => (t.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => !STOP.has(w));

/** The fake sentence embedding (exported so tests can compute expected scores). */
export function fakeEmbed(text: string): Float32Array {
  const v = new Float32Array(FAKE_DIMS);
  for (const w of words(text)) {
    const h = createHash('sha256').update(w).digest();
    v[h.readUInt32LE(0) % FAKE_DIMS] += h[4] & 1 ? 1 : -1;
  }
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i], 0);

function lexical(query: string, caption: string): number {
  const q = words(query);
  if (q.length === 0) return 0;
  const c = new Set(words(caption));
  return q.filter((w) => c.has(w)).length / q.length;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

const toBuf = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

export class FakeBackends {
  readonly calls: RecordedCall[] = [];
  readonly faults = new Map<string, Fault>();
  readonly health: Record<ServiceName, Health> = {
    captioner: new Health(['captioner.v1.CaptionerService']),
    embedder: new Health(['embedder.v1.EmbedderService']),
    search: new Health(['search.v1.SearchService']),
  };
  /** Whether a generation is committed (served). */
  served = true;
  addrs!: Record<ServiceName, string>;
  private readonly servers: grpc.Server[] = [];
  private readonly vectors: { image: FakeImage; caption: string; v: Float32Array }[];

  private constructor(
    readonly dataset: string,
    readonly images: FakeImage[],
  ) {
    this.vectors = images.flatMap((image) => image.captions.map((caption) => ({ image, caption, v: fakeEmbed(caption) })));
  }

  /** Starts the three fake services, SERVING, with a committed generation over `images`. */
  static async start(dataset: string, images: FakeImage[]): Promise<FakeBackends> {
    const f = new FakeBackends(dataset, images);
    const log = createLogger('fake', 'silent');
    const embedder = newServer();
    embedder.addService(loadEmbedderProto().embedder.v1.EmbedderService.service, {
      Embed: unary(log, 'Embed', (req: EmbedRequest__Output, ctx) => f.handle('embedder', 'Embed', ctx, () => f.embed(req))),
    });
    const search = newServer();
    search.addService(loadSearchProto().search.v1.SearchService.service, {
      Query: unary(log, 'Query', (req: QueryRequest__Output, ctx) => f.handle('search', 'Query', ctx, () => f.query(req))),
      GetImage: unary(log, 'GetImage', (req: GetImageRequest__Output, ctx) =>
        f.handle('search', 'GetImage', ctx, () => f.getImage(req)),
      ),
      GetStats: unary(log, 'GetStats', (_req: unknown, ctx) => f.handle('search', 'GetStats', ctx, () => f.stats())),
    });
    const captioner = newServer();
    captioner.addService(loadCaptionerProto().captioner.v1.CaptionerService.service, {
      Caption: unary(log, 'Caption', (req: CaptionRequest__Output, ctx) =>
        f.handle('captioner', 'Caption', ctx, () => f.caption(req)),
      ),
    });
    const entries: [ServiceName, grpc.Server][] = [
      ['captioner', captioner],
      ['embedder', embedder],
      ['search', search],
    ];
    const addrs: Partial<Record<ServiceName, string>> = {};
    for (const [name, server] of entries) {
      f.health[name].addToServer(server);
      const port = await bindServer(server, '127.0.0.1', 0);
      addrs[name] = `127.0.0.1:${port}`;
      f.health[name].set('SERVING');
      f.servers.push(server);
    }
    f.addrs = addrs as Record<ServiceName, string>;
    return f;
  }

  /** Injects a fault into `service.method` calls. */
  fail(service: ServiceName, method: string, fault: Fault): void {
    this.faults.set(`${service}.${method}`, fault);
  }

  reset(): void {
    this.faults.clear();
    this.calls.length = 0;
    this.served = true;
    for (const h of Object.values(this.health)) h.set('SERVING');
  }

  async stop(): Promise<void> {
    for (const s of this.servers) s.forceShutdown();
  }

  private async handle<T>(
    service: ServiceName,
    method: string,
    ctx: { requestId: string; deadline: number; signal: AbortSignal },
    fn: () => Promise<T> | T,
  ): Promise<T> {
    this.calls.push({ service, method, requestId: ctx.requestId, deadlineInMs: ctx.deadline - Date.now() });
    const key = `${service}.${method}`;
    const fault = this.faults.get(key);
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) this.faults.delete(key);
      if (fault.delayMs) await delay(fault.delayMs);
      if (fault.code !== undefined) {
        const md = new grpc.Metadata();
        for (const [k, v] of Object.entries(fault.metadata ?? {})) md.set(k, v);
        throw grpcError(fault.code, fault.message ?? `injected ${grpc.status[fault.code]}`, md);
      }
    }
    return fn();
  }

  private embed(req: EmbedRequest__Output): EmbedResponse {
    if (req.texts.length === 0) throw grpcError(grpc.status.INVALID_ARGUMENT, 'texts must not be empty');
    if (req.texts.some((t) => t.length > 2000)) throw grpcError(grpc.status.INVALID_ARGUMENT, 'a text exceeds 2000 characters');
    const out = Buffer.alloc(req.texts.length * FAKE_DIMS * 4);
    req.texts.forEach((t, i) => toBuf(fakeEmbed(t)).copy(out, i * FAKE_DIMS * 4));
    return { vectors: out, count: req.texts.length, dimensions: FAKE_DIMS, model: FAKE_EMBED_MODEL, tokenCounts: req.texts.map((t) => words(t).length + 2) };
  }

  private query(req: QueryRequest__Output): QueryResponse {
    if (!this.served) throw grpcError(grpc.status.FAILED_PRECONDITION, 'no generation is committed');
    const mode = req.mode === 'MODE_UNSPECIFIED' ? 'MODE_DENSE' : req.mode;
    const needsVector = mode !== 'MODE_LEXICAL';
    if (needsVector && req.vector.length !== FAKE_DIMS * 4)
      throw grpcError(grpc.status.INVALID_ARGUMENT, `vector must be ${FAKE_DIMS} float32 values`);
    if (needsVector && req.model !== FAKE_EMBED_MODEL)
      throw grpcError(grpc.status.FAILED_PRECONDITION, `model ${req.model} differs from the generation's`);
    if (req.k < 1 || req.k > 1000) throw grpcError(grpc.status.INVALID_ARGUMENT, 'k must be between 1 and 1000');
    const q = needsVector
      ? new Float32Array(req.vector.buffer.slice(req.vector.byteOffset, req.vector.byteOffset + req.vector.length))
      : undefined;
    const best = new Map<string, { image: FakeImage; score: number; caption: string }>();
    for (const { image, caption, v } of this.vectors) {
      if (req.excludeContentHashes.includes(image.contentHash)) continue;
      const dense = q ? dot(q, v) : 0;
      const score =
        mode === 'MODE_DENSE' ? dense : mode === 'MODE_LEXICAL' ? lexical(req.text, caption) : (dense + lexical(req.text, caption)) / 2;
      const cur = best.get(image.imageId);
      if (!cur || score > cur.score) best.set(image.imageId, { image, score, caption });
    }
    const hits = [...best.values()]
      .filter((h) => req.threshold === undefined || h.score >= req.threshold)
      .sort((a, b) => b.score - a.score || a.image.imageId.localeCompare(b.image.imageId))
      .slice(0, req.k)
      .map((h) => ({
        imageId: h.image.imageId,
        score: h.score,
        caption: h.caption,
        captions: h.image.captions,
        contentHash: h.image.contentHash,
        imagePath: h.image.imagePath,
      }));
    return { hits, generationId: FAKE_GENERATION_ID, model: FAKE_EMBED_MODEL };
  }

  private getImage(req: GetImageRequest__Output): ImageRecord {
    if (!this.served) throw grpcError(grpc.status.FAILED_PRECONDITION, 'no generation is committed');
    const image = this.images.find((i) => i.imageId === req.imageId);
    if (!image) throw grpcError(grpc.status.NOT_FOUND, `image ${req.imageId} not found`);
    return { imageId: image.imageId, imagePath: image.imagePath, dataset: this.dataset, contentHash: image.contentHash, captions: image.captions };
  }

  private generation(): GenerationInfo {
    return {
      id: FAKE_GENERATION_ID,
      state: 'GENERATION_STATE_SERVING',
      model: FAKE_EMBED_MODEL,
      dimensions: FAKE_DIMS,
      captionCount: this.vectors.length,
      imageCount: this.images.length,
      dataset: this.dataset,
      createdAtMs: Date.UTC(2024, 0, 1),
      committedAtMs: Date.UTC(2024, 0, 1, 0, 5),
    };
  }

  private stats(): Stats {
    return { serving: this.served ? this.generation() : null, previous: null, building: [], vectorBytes: 0, rssBytes: 0, approximate: false };
  }

  private async caption(req: CaptionRequest__Output): Promise<CaptionResponse> {
    if (req.model && !FAKE_CAPTION_MODELS.includes(req.model))
      throw grpcError(grpc.status.NOT_FOUND, `model ${req.model} is not served`);
    let channels: { mean: number }[];
    try {
      channels = (await sharp(req.image).stats()).channels;
    } catch {
      throw grpcError(grpc.status.INVALID_ARGUMENT, 'the image cannot be decoded');
    }
    const [r = 0, g = 0, b = 0] = channels.map((c) => c.mean);
    const colour = r >= g && r >= b ? 'red' : g >= b ? 'green' : 'blue';
    const caption = `a ${colour} ball on the grass`;
    return {
      caption,
      model: req.model || FAKE_CAPTION_MODELS[0],
      tokenCount: caption.split(' ').length,
      timings: { decodeMs: 1, preprocessMs: 2, encodeMs: 3, generateMs: 4 },
      contentHash: createHash('sha256').update(req.image).digest('hex'),
      cached: false,
    };
  }
}
