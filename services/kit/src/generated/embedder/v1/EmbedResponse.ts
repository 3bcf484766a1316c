// Original file: embedder/v1/embedder.proto


export interface EmbedResponse {
  'vectors'?: (Buffer | Uint8Array | string);
  'count'?: (number);
  'dimensions'?: (number);
  'model'?: (string);
  'tokenCounts'?: (number)[];
}

export interface EmbedResponse__Output {
  'vectors': (Buffer);
  'count': (number);
  'dimensions': (number);
  'model': (string);
  'tokenCounts': (number)[];
}
