import type { Logger } from '@tit/kit';
import { unary } from '@tit/kit';
import type { GetModelInfoRequest__Output } from '@tit/kit/src/generated/embedder/v1/GetModelInfoRequest';
import type { ListModelsRequest__Output } from '@tit/kit/src/generated/embedder/v1/ListModelsRequest';
import type { ListModelsResponse } from '@tit/kit/src/generated/embedder/v1/ListModelsResponse';
import type { ModelInfo } from '@tit/kit/src/generated/embedder/v1/ModelInfo';
import type { Embedder, ServedModel } from '../domain/embedder';

function toProto(m: ServedModel): ModelInfo {
  return {
    id: m.id,
    dimensions: m.dimensions,
    maxTokens: m.maxTokens,
    pooling: m.pooling,
    normalized: m.normalized,
    isDefault: m.isDefault,
  };
}

/** GetModelInfo: one model's description (the default model for an empty name). */
export const getModelInfoHandler = (log: Logger, embedder: Embedder) =>
  unary<GetModelInfoRequest__Output, ModelInfo>(log, 'GetModelInfo', async (req) => toProto(embedder.info(req.model)));

/** ListModels: every served model, the default first. */
export const listModelsHandler = (log: Logger, embedder: Embedder) =>
  unary<ListModelsRequest__Output, ListModelsResponse>(log, 'ListModels', async () => ({
    models: embedder.list().map(toProto),
  }));
