import type * as grpc from '@grpc/grpc-js';
import { Health, INFERENCE_MAX_CONNECTION_AGE_MS, loadEmbedderProto, newServer, type Logger } from '@tit/kit';
import type { EmbedderServiceHandlers } from '@tit/kit/src/generated/embedder/v1/EmbedderService';
import type { Embedder } from './domain/embedder';
import { embedHandler } from './handlers/embed.handler';
import { getModelInfoHandler, listModelsHandler } from './handlers/model-info.handler';

/** The service name health reports under. */
export const EMBEDDER_SERVICE = 'embedder.v1.EmbedderService';

/** What the server needs. */
export interface EmbedderDeps {
  readonly log: Logger;
  readonly embedder: Embedder;
}

/** Builds the embedder's gRPC server (unbound) with its health service, NOT_SERVING until told otherwise. */
export function buildServer(deps: EmbedderDeps): { server: grpc.Server; health: Health } {
  const server = newServer({ maxConnectionAgeMs: INFERENCE_MAX_CONNECTION_AGE_MS });
  const health = new Health([EMBEDDER_SERVICE]);
  health.addToServer(server);
  const handlers: EmbedderServiceHandlers = {
    Embed: embedHandler(deps.log, deps.embedder),
    GetModelInfo: getModelInfoHandler(deps.log, deps.embedder),
    ListModels: listModelsHandler(deps.log, deps.embedder),
  };
  server.addService(loadEmbedderProto().embedder.v1.EmbedderService.service, handlers);
  return { server, health };
}
