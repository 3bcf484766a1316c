// Original file: embedder/v1/embedder.proto


export interface GetModelInfoRequest {
  'model'?: (string);
}

export interface GetModelInfoRequest__Output {
  'model': (string);
}
