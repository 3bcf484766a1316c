// Original file: search/v1/search.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AbortRequest as _search_v1_AbortRequest, AbortRequest__Output as _search_v1_AbortRequest__Output } from '../../search/v1/AbortRequest';
import type { BeginGenerationRequest as _search_v1_BeginGenerationRequest, BeginGenerationRequest__Output as _search_v1_BeginGenerationRequest__Output } from '../../search/v1/BeginGenerationRequest';
import type { CommitRequest as _search_v1_CommitRequest, CommitRequest__Output as _search_v1_CommitRequest__Output } from '../../search/v1/CommitRequest';
import type { GenerationInfo as _search_v1_GenerationInfo, GenerationInfo__Output as _search_v1_GenerationInfo__Output } from '../../search/v1/GenerationInfo';
import type { GetImageRequest as _search_v1_GetImageRequest, GetImageRequest__Output as _search_v1_GetImageRequest__Output } from '../../search/v1/GetImageRequest';
import type { GetStatsRequest as _search_v1_GetStatsRequest, GetStatsRequest__Output as _search_v1_GetStatsRequest__Output } from '../../search/v1/GetStatsRequest';
import type { ImageRecord as _search_v1_ImageRecord, ImageRecord__Output as _search_v1_ImageRecord__Output } from '../../search/v1/ImageRecord';
import type { QueryRequest as _search_v1_QueryRequest, QueryRequest__Output as _search_v1_QueryRequest__Output } from '../../search/v1/QueryRequest';
import type { QueryResponse as _search_v1_QueryResponse, QueryResponse__Output as _search_v1_QueryResponse__Output } from '../../search/v1/QueryResponse';
import type { RollbackRequest as _search_v1_RollbackRequest, RollbackRequest__Output as _search_v1_RollbackRequest__Output } from '../../search/v1/RollbackRequest';
import type { Stats as _search_v1_Stats, Stats__Output as _search_v1_Stats__Output } from '../../search/v1/Stats';
import type { UpsertRequest as _search_v1_UpsertRequest, UpsertRequest__Output as _search_v1_UpsertRequest__Output } from '../../search/v1/UpsertRequest';
import type { UpsertResponse as _search_v1_UpsertResponse, UpsertResponse__Output as _search_v1_UpsertResponse__Output } from '../../search/v1/UpsertResponse';

export interface SearchServiceClient extends grpc.Client {
  Abort(argument: _search_v1_AbortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  Abort(argument: _search_v1_AbortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  Abort(argument: _search_v1_AbortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  Abort(argument: _search_v1_AbortRequest, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  abort(argument: _search_v1_AbortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  abort(argument: _search_v1_AbortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  abort(argument: _search_v1_AbortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  abort(argument: _search_v1_AbortRequest, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  
  BeginGeneration(argument: _search_v1_BeginGenerationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  BeginGeneration(argument: _search_v1_BeginGenerationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  BeginGeneration(argument: _search_v1_BeginGenerationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  BeginGeneration(argument: _search_v1_BeginGenerationRequest, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  beginGeneration(argument: _search_v1_BeginGenerationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  beginGeneration(argument: _search_v1_BeginGenerationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  beginGeneration(argument: _search_v1_BeginGenerationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  beginGeneration(argument: _search_v1_BeginGenerationRequest, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  
  Commit(argument: _search_v1_CommitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  Commit(argument: _search_v1_CommitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  Commit(argument: _search_v1_CommitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  Commit(argument: _search_v1_CommitRequest, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  commit(argument: _search_v1_CommitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  commit(argument: _search_v1_CommitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  commit(argument: _search_v1_CommitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  commit(argument: _search_v1_CommitRequest, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  
  GetImage(argument: _search_v1_GetImageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_ImageRecord__Output>): grpc.ClientUnaryCall;
  GetImage(argument: _search_v1_GetImageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_ImageRecord__Output>): grpc.ClientUnaryCall;
  GetImage(argument: _search_v1_GetImageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_ImageRecord__Output>): grpc.ClientUnaryCall;
  GetImage(argument: _search_v1_GetImageRequest, callback: grpc.requestCallback<_search_v1_ImageRecord__Output>): grpc.ClientUnaryCall;
  getImage(argument: _search_v1_GetImageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_ImageRecord__Output>): grpc.ClientUnaryCall;
  getImage(argument: _search_v1_GetImageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_ImageRecord__Output>): grpc.ClientUnaryCall;
  getImage(argument: _search_v1_GetImageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_ImageRecord__Output>): grpc.ClientUnaryCall;
  getImage(argument: _search_v1_GetImageRequest, callback: grpc.requestCallback<_search_v1_ImageRecord__Output>): grpc.ClientUnaryCall;
  
  GetStats(argument: _search_v1_GetStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_Stats__Output>): grpc.ClientUnaryCall;
  GetStats(argument: _search_v1_GetStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_Stats__Output>): grpc.ClientUnaryCall;
  GetStats(argument: _search_v1_GetStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_Stats__Output>): grpc.ClientUnaryCall;
  GetStats(argument: _search_v1_GetStatsRequest, callback: grpc.requestCallback<_search_v1_Stats__Output>): grpc.ClientUnaryCall;
  getStats(argument: _search_v1_GetStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_Stats__Output>): grpc.ClientUnaryCall;
  getStats(argument: _search_v1_GetStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_Stats__Output>): grpc.ClientUnaryCall;
  getStats(argument: _search_v1_GetStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_Stats__Output>): grpc.ClientUnaryCall;
  getStats(argument: _search_v1_GetStatsRequest, callback: grpc.requestCallback<_search_v1_Stats__Output>): grpc.ClientUnaryCall;
  
  Query(argument: _search_v1_QueryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_QueryResponse__Output>): grpc.ClientUnaryCall;
  Query(argument: _search_v1_QueryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_QueryResponse__Output>): grpc.ClientUnaryCall;
  Query(argument: _search_v1_QueryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_QueryResponse__Output>): grpc.ClientUnaryCall;
  Query(argument: _search_v1_QueryRequest, callback: grpc.requestCallback<_search_v1_QueryResponse__Output>): grpc.ClientUnaryCall;
  query(argument: _search_v1_QueryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_QueryResponse__Output>): grpc.ClientUnaryCall;
  query(argument: _search_v1_QueryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_QueryResponse__Output>): grpc.ClientUnaryCall;
  query(argument: _search_v1_QueryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_QueryResponse__Output>): grpc.ClientUnaryCall;
  query(argument: _search_v1_QueryRequest, callback: grpc.requestCallback<_search_v1_QueryResponse__Output>): grpc.ClientUnaryCall;
  
  Rollback(argument: _search_v1_RollbackRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  Rollback(argument: _search_v1_RollbackRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  Rollback(argument: _search_v1_RollbackRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  Rollback(argument: _search_v1_RollbackRequest, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  rollback(argument: _search_v1_RollbackRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  rollback(argument: _search_v1_RollbackRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  rollback(argument: _search_v1_RollbackRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  rollback(argument: _search_v1_RollbackRequest, callback: grpc.requestCallback<_search_v1_GenerationInfo__Output>): grpc.ClientUnaryCall;
  
  Upsert(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_UpsertResponse__Output>): grpc.ClientWritableStream<_search_v1_UpsertRequest>;
  Upsert(metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_UpsertResponse__Output>): grpc.ClientWritableStream<_search_v1_UpsertRequest>;
  Upsert(options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_UpsertResponse__Output>): grpc.ClientWritableStream<_search_v1_UpsertRequest>;
  Upsert(callback: grpc.requestCallback<_search_v1_UpsertResponse__Output>): grpc.ClientWritableStream<_search_v1_UpsertRequest>;
  upsert(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_UpsertResponse__Output>): grpc.ClientWritableStream<_search_v1_UpsertRequest>;
  upsert(metadata: grpc.Metadata, callback: grpc.requestCallback<_search_v1_UpsertResponse__Output>): grpc.ClientWritableStream<_search_v1_UpsertRequest>;
  upsert(options: grpc.CallOptions, callback: grpc.requestCallback<_search_v1_UpsertResponse__Output>): grpc.ClientWritableStream<_search_v1_UpsertRequest>;
  upsert(callback: grpc.requestCallback<_search_v1_UpsertResponse__Output>): grpc.ClientWritableStream<_search_v1_UpsertRequest>;
  
}

export interface SearchServiceHandlers extends grpc.UntypedServiceImplementation {
  Abort: grpc.handleUnaryCall<_search_v1_AbortRequest__Output, _search_v1_GenerationInfo>;
  
  BeginGeneration: grpc.handleUnaryCall<_search_v1_BeginGenerationRequest__Output, _search_v1_GenerationInfo>;
  
  Commit: grpc.handleUnaryCall<_search_v1_CommitRequest__Output, _search_v1_GenerationInfo>;
  
  GetImage: grpc.handleUnaryCall<_search_v1_GetImageRequest__Output, _search_v1_ImageRecord>;
  
  GetStats: grpc.handleUnaryCall<_search_v1_GetStatsRequest__Output, _search_v1_Stats>;
  
  Query: grpc.handleUnaryCall<_search_v1_QueryRequest__Output, _search_v1_QueryResponse>;
  
  Rollback: grpc.handleUnaryCall<_search_v1_RollbackRequest__Output, _search_v1_GenerationInfo>;
  
  Upsert: grpc.handleClientStreamingCall<_search_v1_UpsertRequest__Output, _search_v1_UpsertResponse>;
  
}

export interface SearchServiceDefinition extends grpc.ServiceDefinition {
  Abort: MethodDefinition<_search_v1_AbortRequest, _search_v1_GenerationInfo, _search_v1_AbortRequest__Output, _search_v1_GenerationInfo__Output>
  BeginGeneration: MethodDefinition<_search_v1_BeginGenerationRequest, _search_v1_GenerationInfo, _search_v1_BeginGenerationRequest__Output, _search_v1_GenerationInfo__Output>
  Commit: MethodDefinition<_search_v1_CommitRequest, _search_v1_GenerationInfo, _search_v1_CommitRequest__Output, _search_v1_GenerationInfo__Output>
  GetImage: MethodDefinition<_search_v1_GetImageRequest, _search_v1_ImageRecord, _search_v1_GetImageRequest__Output, _search_v1_ImageRecord__Output>
  GetStats: MethodDefinition<_search_v1_GetStatsRequest, _search_v1_Stats, _search_v1_GetStatsRequest__Output, _search_v1_Stats__Output>
  Query: MethodDefinition<_search_v1_QueryRequest, _search_v1_QueryResponse, _search_v1_QueryRequest__Output, _search_v1_QueryResponse__Output>
  Rollback: MethodDefinition<_search_v1_RollbackRequest, _search_v1_GenerationInfo, _search_v1_RollbackRequest__Output, _search_v1_GenerationInfo__Output>
  Upsert: MethodDefinition<_search_v1_UpsertRequest, _search_v1_UpsertResponse, _search_v1_UpsertRequest__Output, _search_v1_UpsertResponse__Output>
}
