// Original file: captioner/v1/captioner.proto


export interface StageTimings {
  'decodeMs'?: (number | string);
  'preprocessMs'?: (number | string);
  'encodeMs'?: (number | string);
  'generateMs'?: (number | string);
}

export interface StageTimings__Output {
  'decodeMs': (number);
  'preprocessMs': (number);
  'encodeMs': (number);
  'generateMs': (number);
}
