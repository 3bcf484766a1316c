import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { EmbedRequest as _embedder_v1_EmbedRequest, EmbedRequest__Output as _embedder_v1_EmbedRequest__Output } from './embedder/v1/EmbedRequest';
import type { EmbedResponse as _embedder_v1_EmbedResponse, EmbedResponse__Output as _embedder_v1_EmbedResponse__Output } from './embedder/v1/EmbedResponse';
import type { EmbedderServiceClient as _embedder_v1_EmbedderServiceClient, EmbedderServiceDefinition as _embedder_v1_EmbedderServiceDefinition } from './embedder/v1/EmbedderService';
import type { GetModelInfoRequest as _embedder_v1_GetModelInfoRequest, GetModelInfoRequest__Output as _embedder_v1_GetModelInfoRequest__Output } from './embedder/v1/GetModelInfoRequest';
import type { ListModelsRequest as _embedder_v1_ListModelsRequest, ListModelsRequest__Output as _embedder_v1_ListModelsRequest__Output } from './embedder/v1/ListModelsRequest';
import type { ListModelsResponse as _embedder_v1_ListModelsResponse, ListModelsResponse__Output as _embedder_v1_ListModelsResponse__Output } from './embedder/v1/ListModelsResponse';
import type { ModelInfo as _embedder_v1_ModelInfo, ModelInfo__Output as _embedder_v1_ModelInfo__Output } from './embedder/v1/ModelInfo';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  embedder: {
    v1: {
      EmbedRequest: MessageTypeDefinition<_embedder_v1_EmbedRequest, _embedder_v1_EmbedRequest__Output>
      EmbedResponse: MessageTypeDefinition<_embedder_v1_EmbedResponse, _embedder_v1_EmbedResponse__Output>
      EmbedderService: SubtypeConstructor<typeof grpc.Client, _embedder_v1_EmbedderServiceClient> & { service: _embedder_v1_EmbedderServiceDefinition }
      GetModelInfoRequest: MessageTypeDefinition<_embedder_v1_GetModelInfoRequest, _embedder_v1_GetModelInfoRequest__Output>
      ListModelsRequest: MessageTypeDefinition<_embedder_v1_ListModelsRequest, _embedder_v1_ListModelsRequest__Output>
      ListModelsResponse: MessageTypeDefinition<_embedder_v1_ListModelsResponse, _embedder_v1_ListModelsResponse__Output>
      ModelInfo: MessageTypeDefinition<_embedder_v1_ModelInfo, _embedder_v1_ModelInfo__Output>
    }
  }
}

