import { createClient, loadSearchProto, requestMetadata, unaryCall } from '@tit/kit';
import type { GenerationInfo__Output } from '@tit/kit/src/generated/search/v1/GenerationInfo';
import type { SearchServiceClient } from '@tit/kit/src/generated/search/v1/SearchService';
import type { UpsertResponse__Output } from '@tit/kit/src/generated/search/v1/UpsertResponse';
import type { CallOpts, GenerationView, IndexItem, IndexWriterPort } from '../domain/ports';
import { fromGrpcError } from './grpc-errors';

/** Items per UpsertRequest message: keeps each message a few MB whatever the chunk size. */
const ITEMS_PER_MESSAGE = 256;

function view(g: GenerationInfo__Output): GenerationView {
  return {
    id: g.id,
    state: g.state,
    model: g.model,
    dimensions: g.dimensions,
    captionCount: g.captionCount,
    imageCount: g.imageCount,
    dataset: g.dataset,
    buildKey: g.buildKey,
  };
}

export interface SearchWriterDeadlines {
  /** GetStats, BeginGeneration, Abort. */
  controlMs: number;
  /** One chunk's upsert stream. */
  upsertMs: number;
  /** Commit (the search service may build its approximate index before answering). */
  commitMs: number;
}

/** The search service's write side (SEARCH_WRITER_ADDR) as the job sees it, over gRPC. */
export class GrpcSearchWriter implements IndexWriterPort {
  private readonly client: SearchServiceClient;

  constructor(
    target: string,
    private readonly deadlines: SearchWriterDeadlines,
  ) {
    this.client = createClient(loadSearchProto().search.v1.SearchService, target);
  }

  async stats(opts: CallOpts = {}): Promise<{ serving?: GenerationView; building: GenerationView[] }> {
    try {
      const res = await unaryCall(this.client, this.client.getStats.bind(this.client), {}, { deadline: this.deadlines.controlMs, ...opts });
      return { ...(res.serving ? { serving: view(res.serving) } : {}), building: res.building.map(view) };
    } catch (err) {
      throw fromGrpcError(err, 'search', 'GetStats');
    }
  }

  async begin(req: { model: string; dimensions: number; dataset: string; buildKey: string }, opts: CallOpts = {}): Promise<GenerationView> {
    try {
      return view(await unaryCall(this.client, this.client.beginGeneration.bind(this.client), req, { deadline: this.deadlines.controlMs, ...opts }));
    } catch (err) {
      throw fromGrpcError(err, 'search', 'BeginGeneration');
    }
  }

  async upsert(generationId: string, items: IndexItem[], opts: CallOpts = {}): Promise<{ captionCount: number }> {
    try {
      const res = await new Promise<UpsertResponse__Output>((resolve, reject) => {
        const stream = this.client.upsert(
          requestMetadata(opts.requestId),
          { deadline: new Date(Date.now() + this.deadlines.upsertMs) },
          (err, r) => (err ? reject(err) : resolve(r as UpsertResponse__Output)),
        );
        opts.signal?.addEventListener('abort', () => stream.cancel(), { once: true });
        for (let i = 0; i < items.length; i += ITEMS_PER_MESSAGE) {
          stream.write({ generationId, items: items.slice(i, i + ITEMS_PER_MESSAGE) });
        }
        stream.end();
      });
      if (res.received !== items.length) {
        throw new Error(`search Upsert: sent ${items.length} items, the service received ${res.received}`);
      }
      return { captionCount: res.captionCount };
    } catch (err) {
      throw fromGrpcError(err, 'search', 'Upsert');
    }
  }

  async commit(generationId: string, opts: CallOpts = {}): Promise<GenerationView> {
    try {
      return view(await unaryCall(this.client, this.client.commit.bind(this.client), { generationId }, { deadline: this.deadlines.commitMs, ...opts }));
    } catch (err) {
      throw fromGrpcError(err, 'search', 'Commit');
    }
  }

  async abort(generationId: string, opts: CallOpts = {}): Promise<void> {
    try {
      await unaryCall(this.client, this.client.abort.bind(this.client), { generationId }, { deadline: this.deadlines.controlMs, ...opts });
    } catch (err) {
      throw fromGrpcError(err, 'search', 'Abort');
    }
  }

  close(): void {
    this.client.close();
  }
}
