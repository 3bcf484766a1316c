import { createClient, loadEmbedderProto, unaryCall } from '@tit/kit';
import type { EmbedderServiceClient } from '@tit/kit/src/generated/embedder/v1/EmbedderService';
import type { CallOpts, EmbedModel, EmbedderPort, Embeddings } from '../domain/ports';
import { fromGrpcError } from './grpc-errors';

/** The embedder as the job sees it, over gRPC. */
export class GrpcEmbedder implements EmbedderPort {
  private readonly client: EmbedderServiceClient;

  constructor(
    target: string,
    private readonly deadlines: { embedMs: number; infoMs: number },
  ) {
    this.client = createClient(loadEmbedderProto().embedder.v1.EmbedderService, target);
  }

  async modelInfo(model: string, opts: CallOpts = {}): Promise<EmbedModel> {
    try {
      const res = await unaryCall(this.client, this.client.getModelInfo.bind(this.client), { model }, { deadline: this.deadlines.infoMs, ...opts });
      return { id: res.id, dimensions: res.dimensions };
    } catch (err) {
      throw fromGrpcError(err, 'embedder', 'GetModelInfo');
    }
  }

  async embed(texts: string[], model: string, opts: CallOpts = {}): Promise<Embeddings> {
    try {
      const res = await unaryCall(this.client, this.client.embed.bind(this.client), { texts, model }, { deadline: this.deadlines.embedMs, ...opts });
      return { vectors: res.vectors, count: res.count, dimensions: res.dimensions, model: res.model };
    } catch (err) {
      throw fromGrpcError(err, 'embedder', 'Embed');
    }
  }

  close(): void {
    this.client.close();
  }
}
