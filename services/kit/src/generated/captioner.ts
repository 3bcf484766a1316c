import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CaptionRequest as _captioner_v1_CaptionRequest, CaptionRequest__Output as _captioner_v1_CaptionRequest__Output } from './captioner/v1/CaptionRequest';
import type { CaptionResponse as _captioner_v1_CaptionResponse, CaptionResponse__Output as _captioner_v1_CaptionResponse__Output } from './captioner/v1/CaptionResponse';
import type { CaptionerServiceClient as _captioner_v1_CaptionerServiceClient, CaptionerServiceDefinition as _captioner_v1_CaptionerServiceDefinition } from './captioner/v1/CaptionerService';
import type { GenerationOptions as _captioner_v1_GenerationOptions, GenerationOptions__Output as _captioner_v1_GenerationOptions__Output } from './captioner/v1/GenerationOptions';
import type { GetModelInfoRequest as _captioner_v1_GetModelInfoRequest, GetModelInfoRequest__Output as _captioner_v1_GetModelInfoRequest__Output } from './captioner/v1/GetModelInfoRequest';
import type { ListModelsRequest as _captioner_v1_ListModelsRequest, ListModelsRequest__Output as _captioner_v1_ListModelsRequest__Output } from './captioner/v1/ListModelsRequest';
import type { ListModelsResponse as _captioner_v1_ListModelsResponse, ListModelsResponse__Output as _captioner_v1_ListModelsResponse__Output } from './captioner/v1/ListModelsResponse';
import type { ModelInfo as _captioner_v1_ModelInfo, ModelInfo__Output as _captioner_v1_ModelInfo__Output } from './captioner/v1/ModelInfo';
import type { StageTimings as _captioner_v1_StageTimings, StageTimings__Output as _captioner_v1_StageTimings__Output } from './captioner/v1/StageTimings';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  captioner: {
    v1: {
      CaptionRequest: MessageTypeDefinition<_captioner_v1_CaptionRequest, _captioner_v1_CaptionRequest__Output>
      CaptionResponse: MessageTypeDefinition<_captioner_v1_CaptionResponse, _captioner_v1_CaptionResponse__Output>
      CaptionerService: SubtypeConstructor<typeof grpc.Client, _captioner_v1_CaptionerServiceClient> & { service: _captioner_v1_CaptionerServiceDefinition }
      GenerationOptions: MessageTypeDefinition<_captioner_v1_GenerationOptions, _captioner_v1_GenerationOptions__Output>
      GetModelInfoRequest: MessageTypeDefinition<_captioner_v1_GetModelInfoRequest, _captioner_v1_GetModelInfoRequest__Output>
      ListModelsRequest: MessageTypeDefinition<_captioner_v1_ListModelsRequest, _captioner_v1_ListModelsRequest__Output>
      ListModelsResponse: MessageTypeDefinition<_captioner_v1_ListModelsResponse, _captioner_v1_ListModelsResponse__Output>
      ModelInfo: MessageTypeDefinition<_captioner_v1_ModelInfo, _captioner_v1_ModelInfo__Output>
      StageTimings: MessageTypeDefinition<_captioner_v1_StageTimings, _captioner_v1_StageTimings__Output>
    }
  }
}

