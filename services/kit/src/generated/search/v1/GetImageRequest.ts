// Original file: search/v1/search.proto


export interface GetImageRequest {
  'imageId'?: (string);
}

export interface GetImageRequest__Output {
  'imageId': (string);
}
