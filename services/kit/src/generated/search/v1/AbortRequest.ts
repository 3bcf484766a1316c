// Original file: search/v1/search.proto


export interface AbortRequest {
  'generationId'?: (string);
}

export interface AbortRequest__Output {
  'generationId': (string);
}
