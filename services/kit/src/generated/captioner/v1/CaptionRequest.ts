// Original file: captioner/v1/captioner.proto

import type { GenerationOptions as _captioner_v1_GenerationOptions, GenerationOptions__Output as _captioner_v1_GenerationOptions__Output } from '../../captioner/v1/GenerationOptions';

export interface CaptionRequest {
  'image'?: (Buffer | Uint8Array | string);
  'model'?: (string);
  'options'?: (_captioner_v1_GenerationOptions | null);
}

export interface CaptionRequest__Output {
  'image': (Buffer);
  'model': (string);
  'options': (_captioner_v1_GenerationOptions__Output | null);
}
