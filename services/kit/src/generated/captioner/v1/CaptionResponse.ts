// Original file: captioner/v1/captioner.proto

import type { StageTimings as _captioner_v1_StageTimings, StageTimings__Output as _captioner_v1_StageTimings__Output } from '../../captioner/v1/StageTimings';

export interface CaptionResponse {
  'caption'?: (string);
  'model'?: (string);
  'tokenCount'?: (number);
  'timings'?: (_captioner_v1_StageTimings | null);
  'contentHash'?: (string);
  'cached'?: (boolean);
}

export interface CaptionResponse__Output {
  'caption': (string);
  'model': (string);
  'tokenCount': (number);
  'timings': (_captioner_v1_StageTimings__Output | null);
  'contentHash': (string);
  'cached': (boolean);
}
