// Original file: embedder/v1/embedder.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { EmbedRequest as _embedder_v1_EmbedRequest, EmbedRequest__Output as _embedder_v1_EmbedRequest__Output } from '../../embedder/v1/EmbedRequest';
import type { EmbedResponse as _embedder_v1_EmbedResponse, EmbedResponse__Output as _embedder_v1_EmbedResponse__Output } from '../../embedder/v1/EmbedResponse';
import type { GetModelInfoRequest as _embedder_v1_GetModelInfoRequest, GetModelInfoRequest__Output as _embedder_v1_GetModelInfoRequest__Output } from '../../embedder/v1/GetModelInfoRequest';
import type { ListModelsRequest as _embedder_v1_ListModelsRequest, ListModelsRequest__Output as _embedder_v1_ListModelsRequest__Output } from '../../embedder/v1/ListModelsRequest';
import type { ListModelsResponse as _embedder_v1_ListModelsResponse, ListModelsResponse__Output as _embedder_v1_ListModelsResponse__Output } from '../../embedder/v1/ListModelsResponse';
import type { ModelInfo as _embedder_v1_ModelInfo, ModelInfo__Output as _embedder_v1_ModelInfo__Output } from '../../embedder/v1/ModelInfo';

export interface EmbedderServiceClient extends grpc.Client {
  Embed(argument: _embedder_v1_EmbedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  Embed(argument: _embedder_v1_EmbedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_embedder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  Embed(argument: _embedder_v1_EmbedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  Embed(argument: _embedder_v1_EmbedRequest, callback: grpc.requestCallback<_embedder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embed(argument: _embedder_v1_EmbedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embed(argument: _embedder_v1_EmbedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_embedder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embed(argument: _embedder_v1_EmbedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  embed(argument: _embedder_v1_EmbedRequest, callback: grpc.requestCallback<_embedder_v1_EmbedResponse__Output>): grpc.ClientUnaryCall;
  
  GetModelInfo(argument: _embedder_v1_GetModelInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  GetModelInfo(argument: _embedder_v1_GetModelInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_embedder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  GetModelInfo(argument: _embedder_v1_GetModelInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  GetModelInfo(argument: _embedder_v1_GetModelInfoRequest, callback: grpc.requestCallback<_embedder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModelInfo(argument: _embedder_v1_GetModelInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModelInfo(argument: _embedder_v1_GetModelInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_embedder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModelInfo(argument: _embedder_v1_GetModelInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModelInfo(argument: _embedder_v1_GetModelInfoRequest, callback: grpc.requestCallback<_embedder_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  
  ListModels(argument: _embedder_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _embedder_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_embedder_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _embedder_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _embedder_v1_ListModelsRequest, callback: grpc.requestCallback<_embedder_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _embedder_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _embedder_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_embedder_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _embedder_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_embedder_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _embedder_v1_ListModelsRequest, callback: grpc.requestCallback<_embedder_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface EmbedderServiceHandlers extends grpc.UntypedServiceImplementation {
  Embed: grpc.handleUnaryCall<_embedder_v1_EmbedRequest__Output, _embedder_v1_EmbedResponse>;
  
  GetModelInfo: grpc.handleUnaryCall<_embedder_v1_GetModelInfoRequest__Output, _embedder_v1_ModelInfo>;
  
  ListModels: grpc.handleUnaryCall<_embedder_v1_ListModelsRequest__Output, _embedder_v1_ListModelsResponse>;
  
}

export interface EmbedderServiceDefinition extends grpc.ServiceDefinition {
  Embed: MethodDefinition<_embedder_v1_EmbedRequest, _embedder_v1_EmbedResponse, _embedder_v1_EmbedRequest__Output, _embedder_v1_EmbedResponse__Output>
  GetModelInfo: MethodDefinition<_embedder_v1_GetModelInfoRequest, _embedder_v1_ModelInfo, _embedder_v1_GetModelInfoRequest__Output, _embedder_v1_ModelInfo__Output>
  ListModels: MethodDefinition<_embedder_v1_ListModelsRequest, _embedder_v1_ListModelsResponse, _embedder_v1_ListModelsRequest__Output, _embedder_v1_ListModelsResponse__Output>
}
