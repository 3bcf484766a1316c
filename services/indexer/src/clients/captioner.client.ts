import { createClient, loadCaptionerProto, unaryCall } from '@tit/kit';
import type { CaptionerServiceClient } from '@tit/kit/src/generated/captioner/v1/CaptionerService';
import type { CallOpts, CaptionerPort } from '../domain/ports';
import { fromGrpcError } from './grpc-errors';

/** The captioner as the job sees it, over gRPC (default model and generation options). */
export class GrpcCaptioner implements CaptionerPort {
  private readonly client: CaptionerServiceClient;

  constructor(
    target: string,
    private readonly deadlineMs: number,
  ) {
    this.client = createClient(loadCaptionerProto().captioner.v1.CaptionerService, target);
  }

  async caption(image: Buffer, opts: CallOpts = {}): Promise<{ caption: string; model: string }> {
    try {
      const res = await unaryCall(this.client, this.client.caption.bind(this.client), { image }, { deadline: this.deadlineMs, ...opts });
      return { caption: res.caption, model: res.model };
    } catch (err) {
      throw fromGrpcError(err, 'captioner', 'Caption');
    }
  }

  close(): void {
    this.client.close();
  }
}
