import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AbortRequest as _search_v1_AbortRequest, AbortRequest__Output as _search_v1_AbortRequest__Output } from './search/v1/AbortRequest';
import type { BeginGenerationRequest as _search_v1_BeginGenerationRequest, BeginGenerationRequest__Output as _search_v1_BeginGenerationRequest__Output } from './search/v1/BeginGenerationRequest';
import type { CommitRequest as _search_v1_CommitRequest, CommitRequest__Output as _search_v1_CommitRequest__Output } from './search/v1/CommitRequest';
import type { GenerationInfo as _search_v1_GenerationInfo, GenerationInfo__Output as _search_v1_GenerationInfo__Output } from './search/v1/GenerationInfo';
import type { GetImageRequest as _search_v1_GetImageRequest, GetImageRequest__Output as _search_v1_GetImageRequest__Output } from './search/v1/GetImageRequest';
import type { GetStatsRequest as _search_v1_GetStatsRequest, GetStatsRequest__Output as _search_v1_GetStatsRequest__Output } from './search/v1/GetStatsRequest';
import type { ImageHit as _search_v1_ImageHit, ImageHit__Output as _search_v1_ImageHit__Output } from './search/v1/ImageHit';
import type { ImageRecord as _search_v1_ImageRecord, ImageRecord__Output as _search_v1_ImageRecord__Output } from './search/v1/ImageRecord';
import type { Item as _search_v1_Item, Item__Output as _search_v1_Item__Output } from './search/v1/Item';
import type { QueryRequest as _search_v1_QueryRequest, QueryRequest__Output as _search_v1_QueryRequest__Output } from './search/v1/QueryRequest';
import type { QueryResponse as _search_v1_QueryResponse, QueryResponse__Output as _search_v1_QueryResponse__Output } from './search/v1/QueryResponse';
import type { RollbackRequest as _search_v1_RollbackRequest, RollbackRequest__Output as _search_v1_RollbackRequest__Output } from './search/v1/RollbackRequest';
import type { SearchServiceClient as _search_v1_SearchServiceClient, SearchServiceDefinition as _search_v1_SearchServiceDefinition } from './search/v1/SearchService';
import type { Stats as _search_v1_Stats, Stats__Output as _search_v1_Stats__Output } from './search/v1/Stats';
import type { UpsertRequest as _search_v1_UpsertRequest, UpsertRequest__Output as _search_v1_UpsertRequest__Output } from './search/v1/UpsertRequest';
import type { UpsertResponse as _search_v1_UpsertResponse, UpsertResponse__Output as _search_v1_UpsertResponse__Output } from './search/v1/UpsertResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  search: {
    v1: {
      AbortRequest: MessageTypeDefinition<_search_v1_AbortRequest, _search_v1_AbortRequest__Output>
      Aggregation: EnumTypeDefinition
      BeginGenerationRequest: MessageTypeDefinition<_search_v1_BeginGenerationRequest, _search_v1_BeginGenerationRequest__Output>
      CommitRequest: MessageTypeDefinition<_search_v1_CommitRequest, _search_v1_CommitRequest__Output>
      GenerationInfo: MessageTypeDefinition<_search_v1_GenerationInfo, _search_v1_GenerationInfo__Output>
      GenerationState: EnumTypeDefinition
      GetImageRequest: MessageTypeDefinition<_search_v1_GetImageRequest, _search_v1_GetImageRequest__Output>
      GetStatsRequest: MessageTypeDefinition<_search_v1_GetStatsRequest, _search_v1_GetStatsRequest__Output>
      ImageHit: MessageTypeDefinition<_search_v1_ImageHit, _search_v1_ImageHit__Output>
      ImageRecord: MessageTypeDefinition<_search_v1_ImageRecord, _search_v1_ImageRecord__Output>
      Item: MessageTypeDefinition<_search_v1_Item, _search_v1_Item__Output>
      Mode: EnumTypeDefinition
      QueryRequest: MessageTypeDefinition<_search_v1_QueryRequest, _search_v1_QueryRequest__Output>
      QueryResponse: MessageTypeDefinition<_search_v1_QueryResponse, _search_v1_QueryResponse__Output>
      RollbackRequest: MessageTypeDefinition<_search_v1_RollbackRequest, _search_v1_RollbackRequest__Output>
      SearchService: SubtypeConstructor<typeof grpc.Client, _search_v1_SearchServiceClient> & { service: _search_v1_SearchServiceDefinition }
      Stats: MessageTypeDefinition<_search_v1_Stats, _search_v1_Stats__Output>
      UpsertRequest: MessageTypeDefinition<_search_v1_UpsertRequest, _search_v1_UpsertRequest__Output>
      UpsertResponse: MessageTypeDefinition<_search_v1_UpsertResponse, _search_v1_UpsertResponse__Output>
    }
  }
}

