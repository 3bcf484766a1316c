// Original file: embedder/v1/embedder.proto


export interface ModelInfo {
  'id'?: (string);
  'dimensions'?: (number);
  'maxTokens'?: (number);
  'pooling'?: (string);
  'normalized'?: (boolean);
  'isDefault'?: (boolean);
}

export interface ModelInfo__Output {
  'id': (string);
  'dimensions': (number);
  'maxTokens': (number);
  'pooling': (string);
  'normalized': (boolean);
  'isDefault': (boolean);
}
