// Original file: search/v1/search.proto

export const Aggregation = {
  AGGREGATION_UNSPECIFIED: 'AGGREGATION_UNSPECIFIED',
  AGGREGATION_MAX: 'AGGREGATION_MAX',
  AGGREGATION_MEAN: 'AGGREGATION_MEAN',
} as const;

export type Aggregation =
  | 'AGGREGATION_UNSPECIFIED'
  | 0
  | 'AGGREGATION_MAX'
  | 1
  | 'AGGREGATION_MEAN'
  | 2

export type Aggregation__Output = typeof Aggregation[keyof typeof Aggregation]
