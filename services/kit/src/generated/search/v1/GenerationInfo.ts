// Original file: search/v1/search.proto

import type { GenerationState as _search_v1_GenerationState, GenerationState__Output as _search_v1_GenerationState__Output } from '../../search/v1/GenerationState';

export interface GenerationInfo {
  'id'?: (string);
  'state'?: (_search_v1_GenerationState);
  'model'?: (string);
  'dimensions'?: (number);
  'captionCount'?: (number);
  'imageCount'?: (number);
  'dataset'?: (string);
  'createdAtMs'?: (number | string);
  'committedAtMs'?: (number | string);
  'buildKey'?: (string);
}

export interface GenerationInfo__Output {
  'id': (string);
  'state': (_search_v1_GenerationState__Output);
  'model': (string);
  'dimensions': (number);
  'captionCount': (number);
  'imageCount': (number);
  'dataset': (string);
  'createdAtMs': (number);
  'committedAtMs': (number);
  'buildKey': (string);
}
