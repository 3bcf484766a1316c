// Original file: search/v1/search.proto


export interface ImageHit {
  'imageId'?: (string);
  'score'?: (number | string);
  'caption'?: (string);
  'captions'?: (string)[];
  'contentHash'?: (string);
  'imagePath'?: (string);
}

export interface ImageHit__Output {
  'imageId': (string);
  'score': (number);
  'caption': (string);
  'captions': (string)[];
  'contentHash': (string);
  'imagePath': (string);
}
