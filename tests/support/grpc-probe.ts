/**
 * gRPC helpers for the end-to-end tests: kit clients of the three services of a TestSystem, an
 * outcome line per call (`OK`, `INVALID_ARGUMENT`), and raw calls with bytes that are not a valid
 * protobuf message (what kit clients cannot send).
 */
import * as grpc from '@grpc/grpc-js';
import { createClient, loadCaptionerProto, loadEmbedderProto, loadSearchProto, unaryCall } from '@tit/kit';
import type { CaptionerServiceClient } from '@tit/kit/src/generated/captioner/v1/CaptionerService';
import type { EmbedderServiceClient } from '@tit/kit/src/generated/embedder/v1/EmbedderService';
import type { SearchServiceClient } from '@tit/kit/src/generated/search/v1/SearchService';
import type { EmbedRequest } from '@tit/kit/src/generated/embedder/v1/EmbedRequest';
import type { EmbedResponse__Output } from '@tit/kit/src/generated/embedder/v1/EmbedResponse';
import type { ModelInfo__Output as EmbedderModelInfo__Output } from '@tit/kit/src/generated/embedder/v1/ModelInfo';
import type { CaptionRequest } from '@tit/kit/src/generated/captioner/v1/CaptionRequest';
import type { CaptionResponse__Output } from '@tit/kit/src/generated/captioner/v1/CaptionResponse';
import type { QueryRequest } from '@tit/kit/src/generated/search/v1/QueryRequest';
import type { QueryResponse__Output } from '@tit/kit/src/generated/search/v1/QueryResponse';
import type { GetImageRequest } from '@tit/kit/src/generated/search/v1/GetImageRequest';
import type { ImageRecord__Output } from '@tit/kit/src/generated/search/v1/ImageRecord';
import type { Stats__Output } from '@tit/kit/src/generated/search/v1/Stats';
import type { CommitRequest } from '@tit/kit/src/generated/search/v1/CommitRequest';
import type { BeginGenerationRequest } from '@tit/kit/src/generated/search/v1/BeginGenerationRequest';
import type { GenerationInfo__Output } from '@tit/kit/src/generated/search/v1/GenerationInfo';
import type { Item } from '@tit/kit/src/generated/search/v1/Item';
import type { UpsertResponse__Output } from '@tit/kit/src/generated/search/v1/UpsertResponse';

/** Kit clients of the three services with one promise-returning method per RPC the tests use. */
export interface ServiceClients {
  embedder: EmbedderServiceClient;
  captioner: CaptionerServiceClient;
  search: SearchServiceClient;
  embed(req: EmbedRequest, deadlineMs?: number): Promise<EmbedResponse__Output>;
  embedderInfo(deadlineMs?: number): Promise<EmbedderModelInfo__Output>;
  caption(req: CaptionRequest, deadlineMs?: number): Promise<CaptionResponse__Output>;
  query(req: QueryRequest, deadlineMs?: number): Promise<QueryResponse__Output>;
  getImage(req: GetImageRequest, deadlineMs?: number): Promise<ImageRecord__Output>;
  getStats(deadlineMs?: number): Promise<Stats__Output>;
  commit(req: CommitRequest, deadlineMs?: number): Promise<GenerationInfo__Output>;
  beginGeneration(req: BeginGenerationRequest, deadlineMs?: number): Promise<GenerationInfo__Output>;
  rollback(deadlineMs?: number): Promise<GenerationInfo__Output>;
  /** One Upsert stream carrying `items` for `generationId`. */
  upsert(generationId: string, items: Item[], deadlineMs?: number): Promise<UpsertResponse__Output>;
  close(): void;
}

/** Kit clients (round_robin, keepalive: what the gateway uses) for the addresses of a test system. */
export function serviceClients(env: NodeJS.ProcessEnv): ServiceClients {
  const embedder = createClient(loadEmbedderProto().embedder.v1.EmbedderService, env.EMBEDDER_ADDR as string);
  const captioner = createClient(loadCaptionerProto().captioner.v1.CaptionerService, env.CAPTIONER_ADDR as string);
  const search = createClient(loadSearchProto().search.v1.SearchService, env.SEARCH_ADDR as string);
  const d = (ms: number | undefined) => ({ deadline: ms ?? 10_000 });
  return {
    embedder,
    captioner,
    search,
    embed: (req, ms) => unaryCall(embedder, embedder.embed.bind(embedder), req, d(ms)),
    embedderInfo: (ms) => unaryCall(embedder, embedder.getModelInfo.bind(embedder), { model: '' }, d(ms)),
    caption: (req, ms) => unaryCall(captioner, captioner.caption.bind(captioner), req, d(ms)),
    query: (req, ms) => unaryCall(search, search.query.bind(search), req, d(ms)),
    getImage: (req, ms) => unaryCall(search, search.getImage.bind(search), req, d(ms)),
    getStats: (ms) => unaryCall(search, search.getStats.bind(search), {}, d(ms)),
    commit: (req, ms) => unaryCall(search, search.commit.bind(search), req, d(ms)),
    beginGeneration: (req, ms) => unaryCall(search, search.beginGeneration.bind(search), req, d(ms)),
    rollback: (ms) => unaryCall(search, search.rollback.bind(search), {}, d(ms)),
    upsert: (generationId, items, ms) =>
      new Promise<UpsertResponse__Output>((resolve, reject) => {
        const stream = search.upsert({ deadline: Date.now() + (ms ?? 10_000) }, (err, res) => (err || !res ? reject(err ?? new Error('upsert: no response')) : resolve(res)));
        stream.write({ generationId, items });
        stream.end();
      }),
    close: () => [embedder, captioner, search].forEach((c) => c.close()),
  };
}

export interface CallOutcome<T> {
  /** `OK` or the status name (`INVALID_ARGUMENT`). */
  code: string;
  details: string;
  /** The x-error-kind trailer of kit domain errors (`too_large`, `invalid_input`, ...). */
  kind?: string;
  value?: T;
  ms: number;
}

/** Runs a call and reports how it ended, never throwing for a gRPC status. */
export async function outcome<T>(call: () => Promise<T>): Promise<CallOutcome<T>> {
  const t0 = performance.now();
  try {
    const value = await call();
    return { code: 'OK', details: '', value, ms: performance.now() - t0 };
  } catch (err) {
    const e = err as grpc.ServiceError;
    if (typeof e.code !== 'number') throw err;
    const kind = e.metadata?.get('x-error-kind')[0];
    return {
      code: grpc.status[e.code] ?? String(e.code),
      details: e.details ?? e.message,
      ...(typeof kind === 'string' ? { kind } : {}),
      ms: performance.now() - t0,
    };
  }
}

/** Sends `bytes` as the request message of `path` (e.g. `/embedder.v1.EmbedderService/Embed`). */
export function rawCall(address: string, path: string, bytes: Buffer, deadlineMs = 5000): Promise<Buffer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(res as Buffer);
      },
    );
  });
}

/** Bytes that are not a protobuf message: field 1 = "a", then a tag with the invalid wire type 7 and nothing after it. */
export const NOT_PROTOBUF = Buffer.from([0x0a, 0x01, 0x61, 0x1f]);
