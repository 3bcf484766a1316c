// Original file: search/v1/search.proto

export const Mode = {
  MODE_UNSPECIFIED: 'MODE_UNSPECIFIED',
  MODE_DENSE: 'MODE_DENSE',
  MODE_LEXICAL: 'MODE_LEXICAL',
  MODE_HYBRID: 'MODE_HYBRID',
} as const;

export type Mode =
  | 'MODE_UNSPECIFIED'
  | 0
  | 'MODE_DENSE'
  | 1
  | 'MODE_LEXICAL'
  | 2
  | 'MODE_HYBRID'
  | 3

export type Mode__Output = typeof Mode[keyof typeof Mode]
