// Original file: search/v1/search.proto


export interface Item {
  'id'?: (string);
  'imageId'?: (string);
  'caption'?: (string);
  'vector'?: (Buffer | Uint8Array | string);
  'imagePath'?: (string);
  'contentHash'?: (string);
  'generated'?: (boolean);
}

export interface Item__Output {
  'id': (string);
  'imageId': (string);
  'caption': (string);
  'vector': (Buffer);
  'imagePath': (string);
  'contentHash': (string);
  'generated': (boolean);
}
