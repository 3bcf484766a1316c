// Original file: captioner/v1/captioner.proto


export interface GenerationOptions {
  'maxNewTokens'?: (number);
  'minNewTokens'?: (number);
  'numBeams'?: (number);
  'repetitionPenalty'?: (number | string);
  'noRepeatNgramSize'?: (number);
  '_maxNewTokens'?: "maxNewTokens";
  '_minNewTokens'?: "minNewTokens";
  '_numBeams'?: "numBeams";
  '_repetitionPenalty'?: "repetitionPenalty";
  '_noRepeatNgramSize'?: "noRepeatNgramSize";
}

export interface GenerationOptions__Output {
  'maxNewTokens'?: (number);
  'minNewTokens'?: (number);
  'numBeams'?: (number);
  'repetitionPenalty'?: (number);
  'noRepeatNgramSize'?: (number);
  '_maxNewTokens'?: "maxNewTokens";
  '_minNewTokens'?: "minNewTokens";
  '_numBeams'?: "numBeams";
  '_repetitionPenalty'?: "repetitionPenalty";
  '_noRepeatNgramSize'?: "noRepeatNgramSize";
}
