import type * as grpc from '@grpc/grpc-js';
import { Health, INFERENCE_MAX_CONNECTION_AGE_MS, loadCaptionerProto, newServer, type Logger } from '@tit/kit';
import type { CaptionerServiceHandlers } from '@tit/kit/src/generated/captioner/v1/CaptionerService';
import type { Captioner } from './domain/captioner';
import { captionHandler } from './handlers/caption.handler';
import { getModelInfoHandler, listModelsHandler } from './handlers/model-info.handler';

/** The service name health reports under. */
export const CAPTIONER_SERVICE = 'captioner.v1.CaptionerService';

/** What the server needs. */
export interface CaptionerDeps {
  readonly log: Logger;
  readonly captioner: Captioner;
}

/** Builds the captioner's gRPC server (unbound) with its health service, NOT_SERVING until told otherwise. */
export function buildServer(deps: CaptionerDeps): { server: grpc.Server; health: Health } {
  const server = newServer({ maxConnectionAgeMs: INFERENCE_MAX_CONNECTION_AGE_MS });
  const health = new Health([CAPTIONER_SERVICE]);
  health.addToServer(server);
  const handlers: CaptionerServiceHandlers = {
    Caption: captionHandler(deps.log, deps.captioner),
    GetModelInfo: getModelInfoHandler(deps.log, deps.captioner),
    ListModels: listModelsHandler(deps.log, deps.captioner),
  };
  server.addService(loadCaptionerProto().captioner.v1.CaptionerService.service, handlers);
  return { server, health };
}
