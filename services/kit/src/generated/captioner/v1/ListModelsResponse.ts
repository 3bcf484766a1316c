// Original file: captioner/v1/captioner.proto

import type { ModelInfo as _captioner_v1_ModelInfo, ModelInfo__Output as _captioner_v1_ModelInfo__Output } from '../../captioner/v1/ModelInfo';

export interface ListModelsResponse {
  'models'?: (_captioner_v1_ModelInfo)[];
}

export interface ListModelsResponse__Output {
  'models': (_captioner_v1_ModelInfo__Output)[];
}
