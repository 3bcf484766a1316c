// Original file: search/v1/search.proto


export interface UpsertResponse {
  'generationId'?: (string);
  'received'?: (number);
  'captionCount'?: (number);
}

export interface UpsertResponse__Output {
  'generationId': (string);
  'received': (number);
  'captionCount': (number);
}
