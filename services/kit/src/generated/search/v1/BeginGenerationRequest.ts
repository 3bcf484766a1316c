// Original file: search/v1/search.proto


export interface BeginGenerationRequest {
  'model'?: (string);
  'dimensions'?: (number);
  'dataset'?: (string);
  'buildKey'?: (string);
}

export interface BeginGenerationRequest__Output {
  'model': (string);
  'dimensions': (number);
  'dataset': (string);
  'buildKey': (string);
}
