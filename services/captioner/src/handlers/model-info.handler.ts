import { unary, type Logger } from '@tit/kit';
import type { GetModelInfoRequest__Output } from '@tit/kit/src/generated/captioner/v1/GetModelInfoRequest';
import type { ListModelsRequest__Output } from '@tit/kit/src/generated/captioner/v1/ListModelsRequest';
import type { ListModelsResponse } from '@tit/kit/src/generated/captioner/v1/ListModelsResponse';
import type { ModelInfo } from '@tit/kit/src/generated/captioner/v1/ModelInfo';
import type { Captioner, ModelDescription } from '../domain/captioner';

function toProto(d: ModelDescription): ModelInfo {
  return { id: d.id, imageSize: d.imageSize, decoderLayout: d.decoderLayout, defaults: { ...d.defaults }, isDefault: d.isDefault };
}

/** captioner.v1.CaptionerService/GetModelInfo. */
export function getModelInfoHandler(log: Logger, captioner: Captioner) {
  // async, so a thrown NotFoundError becomes a rejection the adapter maps (not a synchronous throw).
  return unary<GetModelInfoRequest__Output, ModelInfo>(log, 'GetModelInfo', async (req) => toProto(captioner.info(req.model)));
}

/** captioner.v1.CaptionerService/ListModels. */
export function listModelsHandler(log: Logger, captioner: Captioner) {
  return unary<ListModelsRequest__Output, ListModelsResponse>(log, 'ListModels', async () => ({ models: captioner.list().map(toProto) }));
}
