/**
 * The gRPC adapter of the domain's Backends port, one instance per HTTP request: every call carries
 * the request id in metadata, gets the REMAINING part of the request's deadline budget as its gRPC
 * deadline, is cancelled when the client disconnects, is timed into the downstream metrics, and has
 * its error translated by the one gRPC -> HTTP mapping (errors/grpc-status.ts).
 */
import { status as grpcStatus, type Client } from '@grpc/grpc-js';
import { isServiceError, unaryCall } from '@tit/kit';
import type { GenerationInfo__Output } from '@tit/kit/src/generated/search/v1/GenerationInfo';
import type { Mode } from '@tit/kit/src/generated/search/v1/Mode';
import { ApiError } from '../errors/api-error';
import { fromGrpcError, type HopInfo } from '../errors/grpc-status';
import type { GatewayMetrics } from '../plugins/metrics';
import type {
  Backends,
  CaptionResult,
  GenerationSummary,
  ImageLocation,
  IndexStats,
  SearchMode,
  SearchQuery,
  SearchResult,
  TextEmbedding,
} from '../domain/ports';
import type { GrpcClients } from './clients';

export interface HopContext {
  clients: GrpcClients;
  metrics: GatewayMetrics;
  requestId: string;
  /** Absolute deadline of the whole request, ms since epoch. */
  deadlineAt: number;
  signal?: AbortSignal;
}

const MODES: Record<SearchMode, Mode> = { dense: 'MODE_DENSE', lexical: 'MODE_LEXICAL', hybrid: 'MODE_HYBRID' };

type Method<Req, Res> = (req: Req, cb: (err: unknown, res?: Res) => void) => unknown;

const isoOrNull = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

export function toGenerationSummary(g: GenerationInfo__Output): GenerationSummary {
  return {
    id: g.id,
    state: g.state.replace(/^GENERATION_STATE_/, '').toLowerCase(),
    model: g.model,
    dimensions: g.dimensions,
    captionCount: g.captionCount,
    imageCount: g.imageCount,
    dataset: g.dataset,
    createdAt: isoOrNull(Number(g.createdAtMs)),
    committedAt: isoOrNull(Number(g.committedAtMs)),
  };
}

export class Hops implements Backends {
  constructor(private readonly ctx: HopContext) {}

  /** Milliseconds left of the request's budget. */
  remainingMs(): number {
    return this.ctx.deadlineAt - Date.now();
  }

  private async call<Req, Res>(hop: HopInfo, client: Client, method: Method<Req, Res>, request: Req): Promise<Res> {
    if (this.remainingMs() <= 0) {
      throw new ApiError('deadline_exceeded', 'the request did not finish within its deadline');
    }
    const started = performance.now();
    try {
      const res = await unaryCall<Req, Res>(client, method as never, request, {
        deadline: new Date(this.ctx.deadlineAt),
        requestId: this.ctx.requestId,
        signal: this.ctx.signal,
      });
      this.ctx.metrics.observeCall(hop.service, hop.method, 'OK', (performance.now() - started) / 1000);
      return res;
    } catch (err) {
      const code = isServiceError(err) ? (grpcStatus[err.code] ?? String(err.code)) : 'UNKNOWN';
      this.ctx.metrics.observeCall(hop.service, hop.method, code, (performance.now() - started) / 1000);
      throw fromGrpcError(err, hop);
    }
  }

  async caption(image: Buffer, model?: string): Promise<CaptionResult> {
    const { captioner } = this.ctx.clients;
    const res = await this.call(
      { service: 'captioner', method: 'Caption', input: 'image' },
      captioner,
      captioner.caption.bind(captioner),
      { image, model: model ?? '' },
    );
    return {
      caption: res.caption,
      model: res.model,
      contentHash: res.contentHash,
      cached: res.cached,
      tokenCount: res.tokenCount,
      timings: {
        decodeMs: res.timings?.decodeMs ?? 0,
        preprocessMs: res.timings?.preprocessMs ?? 0,
        encodeMs: res.timings?.encodeMs ?? 0,
        generateMs: res.timings?.generateMs ?? 0,
      },
    };
  }

  async embed(text: string): Promise<TextEmbedding> {
    const { embedder } = this.ctx.clients;
    const res = await this.call({ service: 'embedder', method: 'Embed' }, embedder, embedder.embed.bind(embedder), {
      texts: [text],
    });
    const bytes = res.dimensions * 4;
    if (res.count < 1 || res.vectors.length < bytes) {
      throw new ApiError('internal', 'internal error', { cause: new Error('embedder returned no vector') });
    }
    return { vector: res.vectors.subarray(0, bytes), model: res.model, dimensions: res.dimensions };
  }

  async query(q: SearchQuery): Promise<SearchResult> {
    const { search } = this.ctx.clients;
    const res = await this.call({ service: 'search', method: 'Query' }, search, search.query.bind(search), {
      vector: q.embedding?.vector ?? Buffer.alloc(0),
      model: q.embedding?.model ?? '',
      text: q.text,
      k: q.k,
      ...(q.threshold === undefined ? {} : { threshold: q.threshold }),
      mode: MODES[q.mode],
      excludeContentHashes: q.excludeContentHashes ?? [],
    });
    return {
      generationId: res.generationId,
      model: res.model,
      hits: res.hits.map((h) => ({
        imageId: h.imageId,
        score: h.score,
        caption: h.caption,
        captions: h.captions,
        contentHash: h.contentHash,
        imagePath: h.imagePath,
      })),
    };
  }

  async getImage(imageId: string): Promise<ImageLocation> {
    const { search } = this.ctx.clients;
    const res = await this.call({ service: 'search', method: 'GetImage' }, search, search.getImage.bind(search), {
      imageId,
    });
    return { imageId: res.imageId, imagePath: res.imagePath, dataset: res.dataset, contentHash: res.contentHash };
  }

  async getStats(): Promise<IndexStats> {
    const { search } = this.ctx.clients;
    const res = await this.call({ service: 'search', method: 'GetStats' }, search, search.getStats.bind(search), {});
    return {
      serving: res.serving ? toGenerationSummary(res.serving) : null,
      previous: res.previous ? toGenerationSummary(res.previous) : null,
      building: res.building.map(toGenerationSummary),
      approximate: res.approximate,
    };
  }
}
