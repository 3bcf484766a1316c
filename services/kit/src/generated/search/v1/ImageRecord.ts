// Original file: search/v1/search.proto


export interface ImageRecord {
  'imageId'?: (string);
  'imagePath'?: (string);
  'dataset'?: (string);
  'contentHash'?: (string);
  'captions'?: (string)[];
}

export interface ImageRecord__Output {
  'imageId': (string);
  'imagePath': (string);
  'dataset': (string);
  'contentHash': (string);
  'captions': (string)[];
}
