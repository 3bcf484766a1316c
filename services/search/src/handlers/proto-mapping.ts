import { InvalidInputError } from '@tit/kit';
import type { Aggregation__Output } from '@tit/kit/src/generated/search/v1/Aggregation';
import type { GenerationInfo as GenerationInfoProto } from '@tit/kit/src/generated/search/v1/GenerationInfo';
import type { GenerationState } from '@tit/kit/src/generated/search/v1/GenerationState';
import type { Mode__Output } from '@tit/kit/src/generated/search/v1/Mode';
import type { Aggregation, GenerationInfo, GenerationStateName, Mode } from '../domain/types';

/** Proto enum value (a string with the loader's `enums: String`, a number when unknown) to a mode. */
export function modeOf(m: Mode__Output | number): Mode {
  switch (m) {
    case 'MODE_UNSPECIFIED':
    case 'MODE_DENSE':
      return 'dense';
    case 'MODE_LEXICAL':
      return 'lexical';
    case 'MODE_HYBRID':
      return 'hybrid';
    default:
      throw new InvalidInputError(`unknown mode ${String(m)}`);
  }
}

export function aggregationOf(a: Aggregation__Output | number): Aggregation {
  switch (a) {
    case 'AGGREGATION_UNSPECIFIED':
    case 'AGGREGATION_MAX':
      return 'max';
    case 'AGGREGATION_MEAN':
      return 'mean';
    default:
      throw new InvalidInputError(`unknown aggregation ${String(a)}`);
  }
}

function stateOf(s: GenerationStateName): GenerationState {
  switch (s) {
    case 'building':
      return 'GENERATION_STATE_BUILDING';
    case 'serving':
      return 'GENERATION_STATE_SERVING';
    case 'previous':
      return 'GENERATION_STATE_PREVIOUS';
    case 'aborted':
      return 'GENERATION_STATE_ABORTED';
  }
}

export function generationInfoToProto(g: GenerationInfo): GenerationInfoProto {
  return { ...g, state: stateOf(g.state) };
}
