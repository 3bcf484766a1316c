// Original file: embedder/v1/embedder.proto

import type { ModelInfo as _embedder_v1_ModelInfo, ModelInfo__Output as _embedder_v1_ModelInfo__Output } from '../../embedder/v1/ModelInfo';

export interface ListModelsResponse {
  'models'?: (_embedder_v1_ModelInfo)[];
}

export interface ListModelsResponse__Output {
  'models': (_embedder_v1_ModelInfo__Output)[];
}
