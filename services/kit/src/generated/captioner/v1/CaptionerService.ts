// Original file: captioner/v1/captioner.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CaptionRequest as _captioner_v1_CaptionRequest, CaptionRequest__Output as _captioner_v1_CaptionRequest__Output } from '../../captioner/v1/CaptionRequest';
import type { CaptionResponse as _captioner_v1_CaptionResponse, CaptionResponse__Output as _captioner_v1_CaptionResponse__Output } from '../../captioner/v1/CaptionResponse';
import type { GetModelInfoRequest as _captioner_v1_GetModelInfoRequest, GetModelInfoRequest__Output as _captioner_v1_GetModelInfoRequest__Output } from '../../captioner/v1/GetModelInfoRequest';
import type { ListModelsRequest as _captioner_v1_ListModelsRequest, ListModelsRequest__Output as _captioner_v1_ListModelsRequest__Output } from '../../captioner/v1/ListModelsRequest';
import type { ListModelsResponse as _captioner_v1_ListModelsResponse, ListModelsResponse__Output as _captioner_v1_ListModelsResponse__Output } from '../../captioner/v1/ListModelsResponse';
import type { ModelInfo as _captioner_v1_ModelInfo, ModelInfo__Output as _captioner_v1_ModelInfo__Output } from '../../captioner/v1/ModelInfo';

export interface CaptionerServiceClient extends grpc.Client {
  Caption(argument: _captioner_v1_CaptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_CaptionResponse__Output>): grpc.ClientUnaryCall;
  Caption(argument: _captioner_v1_CaptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_captioner_v1_CaptionResponse__Output>): grpc.ClientUnaryCall;
  Caption(argument: _captioner_v1_CaptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_CaptionResponse__Output>): grpc.ClientUnaryCall;
  Caption(argument: _captioner_v1_CaptionRequest, callback: grpc.requestCallback<_captioner_v1_CaptionResponse__Output>): grpc.ClientUnaryCall;
  caption(argument: _captioner_v1_CaptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_CaptionResponse__Output>): grpc.ClientUnaryCall;
  caption(argument: _captioner_v1_CaptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_captioner_v1_CaptionResponse__Output>): grpc.ClientUnaryCall;
  caption(argument: _captioner_v1_CaptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_CaptionResponse__Output>): grpc.ClientUnaryCall;
  caption(argument: _captioner_v1_CaptionRequest, callback: grpc.requestCallback<_captioner_v1_CaptionResponse__Output>): grpc.ClientUnaryCall;
  
  GetModelInfo(argument: _captioner_v1_GetModelInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  GetModelInfo(argument: _captioner_v1_GetModelInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_captioner_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  GetModelInfo(argument: _captioner_v1_GetModelInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  GetModelInfo(argument: _captioner_v1_GetModelInfoRequest, callback: grpc.requestCallback<_captioner_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModelInfo(argument: _captioner_v1_GetModelInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModelInfo(argument: _captioner_v1_GetModelInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_captioner_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModelInfo(argument: _captioner_v1_GetModelInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModelInfo(argument: _captioner_v1_GetModelInfoRequest, callback: grpc.requestCallback<_captioner_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  
  ListModels(argument: _captioner_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _captioner_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_captioner_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _captioner_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _captioner_v1_ListModelsRequest, callback: grpc.requestCallback<_captioner_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _captioner_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _captioner_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_captioner_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _captioner_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_captioner_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _captioner_v1_ListModelsRequest, callback: grpc.requestCallback<_captioner_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface CaptionerServiceHandlers extends grpc.UntypedServiceImplementation {
  Caption: grpc.handleUnaryCall<_captioner_v1_CaptionRequest__Output, _captioner_v1_CaptionResponse>;
  
  GetModelInfo: grpc.handleUnaryCall<_captioner_v1_GetModelInfoRequest__Output, _captioner_v1_ModelInfo>;
  
  ListModels: grpc.handleUnaryCall<_captioner_v1_ListModelsRequest__Output, _captioner_v1_ListModelsResponse>;
  
}

export interface CaptionerServiceDefinition extends grpc.ServiceDefinition {
  Caption: MethodDefinition<_captioner_v1_CaptionRequest, _captioner_v1_CaptionResponse, _captioner_v1_CaptionRequest__Output, _captioner_v1_CaptionResponse__Output>
  GetModelInfo: MethodDefinition<_captioner_v1_GetModelInfoRequest, _captioner_v1_ModelInfo, _captioner_v1_GetModelInfoRequest__Output, _captioner_v1_ModelInfo__Output>
  ListModels: MethodDefinition<_captioner_v1_ListModelsRequest, _captioner_v1_ListModelsResponse, _captioner_v1_ListModelsRequest__Output, _captioner_v1_ListModelsResponse__Output>
}
