/**
 * JSON schemas shared by several routes. Request schemas validate (plugins/validation.ts) and,
 * with the response schemas, produce the OpenAPI document at /openapi.json.
 */
import { SEARCH_MODES } from '../domain/ports';

/** Problem responses (see errors/error-handler.ts) for the given status codes. */
export function problems(...statuses: number[]): Record<string, unknown> {
  return Object.fromEntries(
    statuses.map((s) => [
      String(s),
      { $ref: 'Problem#', description: `application/problem+json (RFC 9457)` },
    ]),
  );
}

export const SCORE_DESCRIPTION =
  'Similarity of the image to the query. dense: cosine similarity of the query embedding and the ' +
  "image's best-matching caption embedding (-1..1, higher is closer; unrelated text is usually " +
  'below 0.3). lexical/hybrid: the fused or BM25-based score documented by the search service ' +
  '(docs/search.md); compare scores only within one mode.';

export const BLEU_DESCRIPTION =
  'Sentence BLEU-4 (0..1) of the generated caption against this image\'s reference captions: ' +
  'lowercased, punctuation split into tokens, uniform 1-4-gram weights, Chen & Cherry smoothing ' +
  'method 1 (epsilon 0.1, as NLTK SmoothingFunction().method1), brevity penalty on the closest ' +
  'reference length. It measures word overlap, not meaning: 0.3+ is a close paraphrase, below 0.1 ' +
  'shares few phrases.';

export const modeSchema = {
  type: 'string',
  enum: SEARCH_MODES,
  default: 'dense',
  description: 'dense: embedding cosine similarity; lexical: BM25 over caption words; hybrid: both fused.',
} as const;

export const kSchema = {
  type: 'integer',
  minimum: 1,
  maximum: 50,
  default: 5,
  description: 'Most images to return.',
} as const;

export const thresholdSchema = {
  type: 'number',
  minimum: -1,
  maximum: 1,
  description: 'Images scoring below this are left out.',
} as const;

export const imageIdPattern = '^[\\w.-]{1,200}$';

export const imageResultProperties = {
  imageId: { type: 'string' },
  imageUrl: { type: 'string', description: 'The dataset image.' },
  thumbnailUrl: { type: 'string', description: 'A 256 px JPEG thumbnail.' },
  caption: { type: 'string', description: "The image's caption that matched best." },
  captions: { type: 'array', items: { type: 'string' }, description: "All the image's reference captions." },
  score: { type: 'number', description: SCORE_DESCRIPTION },
} as const;

/** Links of an image result. */
export function imageLinks(imageId: string): { imageUrl: string; thumbnailUrl: string } {
  const imageUrl = `/v1/images/${encodeURIComponent(imageId)}`;
  return { imageUrl, thumbnailUrl: `${imageUrl}?size=256` };
}

/** Scores travel as float32; rounding hides the float noise (0.7300000190734863). */
export const round = (x: number, digits = 6): number => +x.toFixed(digits);

export const ms = (t0: number): number => round(performance.now() - t0, 3);
