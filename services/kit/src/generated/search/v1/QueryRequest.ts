// Original file: search/v1/search.proto

import type { Mode as _search_v1_Mode, Mode__Output as _search_v1_Mode__Output } from '../../search/v1/Mode';
import type { Aggregation as _search_v1_Aggregation, Aggregation__Output as _search_v1_Aggregation__Output } from '../../search/v1/Aggregation';

export interface QueryRequest {
  'vector'?: (Buffer | Uint8Array | string);
  'model'?: (string);
  'text'?: (string);
  'k'?: (number);
  'threshold'?: (number | string);
  'mode'?: (_search_v1_Mode);
  'aggregation'?: (_search_v1_Aggregation);
  'excludeImageIds'?: (string)[];
  'excludeContentHashes'?: (string)[];
  '_threshold'?: "threshold";
}

export interface QueryRequest__Output {
  'vector': (Buffer);
  'model': (string);
  'text': (string);
  'k': (number);
  'threshold'?: (number);
  'mode': (_search_v1_Mode__Output);
  'aggregation': (_search_v1_Aggregation__Output);
  'excludeImageIds': (string)[];
  'excludeContentHashes': (string)[];
  '_threshold'?: "threshold";
}
