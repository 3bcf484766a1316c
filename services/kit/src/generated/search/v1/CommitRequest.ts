// Original file: search/v1/search.proto


export interface CommitRequest {
  'generationId'?: (string);
}

export interface CommitRequest__Output {
  'generationId': (string);
}
