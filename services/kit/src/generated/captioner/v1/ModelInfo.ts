// Original file: captioner/v1/captioner.proto

import type { GenerationOptions as _captioner_v1_GenerationOptions, GenerationOptions__Output as _captioner_v1_GenerationOptions__Output } from '../../captioner/v1/GenerationOptions';

export interface ModelInfo {
  'id'?: (string);
  'imageSize'?: (number);
  'decoderLayout'?: (string);
  'defaults'?: (_captioner_v1_GenerationOptions | null);
  'isDefault'?: (boolean);
}

export interface ModelInfo__Output {
  'id': (string);
  'imageSize': (number);
  'decoderLayout': (string);
  'defaults': (_captioner_v1_GenerationOptions__Output | null);
  'isDefault': (boolean);
}
