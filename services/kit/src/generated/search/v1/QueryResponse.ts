// Original file: search/v1/search.proto

import type { ImageHit as _search_v1_ImageHit, ImageHit__Output as _search_v1_ImageHit__Output } from '../../search/v1/ImageHit';

export interface QueryResponse {
  'hits'?: (_search_v1_ImageHit)[];
  'generationId'?: (string);
  'model'?: (string);
}

export interface QueryResponse__Output {
  'hits': (_search_v1_ImageHit__Output)[];
  'generationId': (string);
  'model': (string);
}
