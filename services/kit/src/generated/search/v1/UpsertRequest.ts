// Original file: search/v1/search.proto

import type { Item as _search_v1_Item, Item__Output as _search_v1_Item__Output } from '../../search/v1/Item';

export interface UpsertRequest {
  'generationId'?: (string);
  'items'?: (_search_v1_Item)[];
}

export interface UpsertRequest__Output {
  'generationId': (string);
  'items': (_search_v1_Item__Output)[];
}
