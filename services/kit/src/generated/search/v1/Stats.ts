// Original file: search/v1/search.proto

import type { GenerationInfo as _search_v1_GenerationInfo, GenerationInfo__Output as _search_v1_GenerationInfo__Output } from '../../search/v1/GenerationInfo';

export interface Stats {
  'serving'?: (_search_v1_GenerationInfo | null);
  'previous'?: (_search_v1_GenerationInfo | null);
  'building'?: (_search_v1_GenerationInfo)[];
  'vectorBytes'?: (number | string);
  'rssBytes'?: (number | string);
  'approximate'?: (boolean);
  'snapshotProblems'?: (string)[];
}

export interface Stats__Output {
  'serving': (_search_v1_GenerationInfo__Output | null);
  'previous': (_search_v1_GenerationInfo__Output | null);
  'building': (_search_v1_GenerationInfo__Output)[];
  'vectorBytes': (number);
  'rssBytes': (number);
  'approximate': (boolean);
  'snapshotProblems': (string)[];
}
