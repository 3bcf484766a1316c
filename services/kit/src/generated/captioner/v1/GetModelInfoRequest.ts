// Original file: captioner/v1/captioner.proto


export interface GetModelInfoRequest {
  'model'?: (string);
}

export interface GetModelInfoRequest__Output {
  'model': (string);
}
