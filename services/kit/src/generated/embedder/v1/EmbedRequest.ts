// Original file: embedder/v1/embedder.proto


export interface EmbedRequest {
  'texts'?: (string)[];
  'model'?: (string);
}

export interface EmbedRequest__Output {
  'texts': (string)[];
  'model': (string);
}
