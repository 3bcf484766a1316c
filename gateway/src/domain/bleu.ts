/**
 * Sentence-level BLEU-4 (Papineni et al., 2002) of a generated caption against reference captions,
 * computed exactly as NLTK's `sentence_bleu(references, hypothesis, smoothing_function=
 * SmoothingFunction().method1)` with uniform weights (0.25 each) on the tokens of `tokenize`.
 *
 * - Modified n-gram precision p_n (n = 1..4): each hypothesis n-gram counts at most as often as it
 *   appears in any single reference; the denominator is the number of hypothesis n-grams (at least 1).
 * - Smoothing, Chen & Cherry (2014) method 1 (NLTK `method1`, epsilon 0.1): a precision whose
 *   numerator is 0 becomes 0.1 / denominator, so one missing 4-gram does not zero the score of a
 *   short caption. If no unigram matches at all, BLEU is 0 (as in NLTK).
 * - Brevity penalty with the reference length closest to the hypothesis length (ties: shorter):
 *   BP = 1 if c > r, else exp(1 - r / c); 0 for an empty hypothesis.
 * - BLEU = BP * exp(sum_n 0.25 * ln p_n), in [0, 1].
 */

/** The smoothing epsilon of NLTK's method1. */
export const BLEU_EPSILON = 0.1;
const MAX_N = 4;

/**
 * Lowercases and splits into tokens: runs of letters/digits (an apostrophe between letters stays
 * inside the word, "dog's"), and every other non-space character as a token of its own, so
 * punctuation is separated from words ("grass." -> "grass", ".").
 */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    // \u0001 cannot occur inside a token, so the joined key is unambiguous.
    const key = tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Clipped n-gram matches and the number of hypothesis n-grams (floored at 1, as NLTK does). */
export function modifiedPrecision(
  references: readonly (readonly string[])[],
  hypothesis: readonly string[],
  n: number,
): { numerator: number; denominator: number } {
  const counts = ngramCounts(hypothesis, n);
  const maxRef = new Map<string, number>();
  for (const ref of references) {
    for (const [g, c] of ngramCounts(ref, n)) if (counts.has(g)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
  }
  let numerator = 0;
  let total = 0;
  for (const [g, c] of counts) {
    numerator += Math.min(c, maxRef.get(g) ?? 0);
    total += c;
  }
  return { numerator, denominator: Math.max(1, total) };
}

/** The reference length closest to `hypLen`; on a tie, the shorter one. */
export function closestRefLength(references: readonly (readonly string[])[], hypLen: number): number {
  let best = Infinity;
  for (const ref of references) {
    const d = Math.abs(ref.length - hypLen);
    const bd = Math.abs(best - hypLen);
    if (d < bd || (d === bd && ref.length < best)) best = ref.length;
  }
  return best;
}

export function brevityPenalty(refLen: number, hypLen: number): number {
  if (hypLen > refLen) return 1;
  if (hypLen === 0) return 0;
  return Math.exp(1 - refLen / hypLen);
}

/** BLEU-4 of token lists (see the module comment). 0 when there are no references. */
export function bleuTokens(references: readonly (readonly string[])[], hypothesis: readonly string[]): number {
  if (references.length === 0 || hypothesis.length === 0) return 0;
  const precisions = [];
  for (let n = 1; n <= MAX_N; n++) precisions.push(modifiedPrecision(references, hypothesis, n));
  if (precisions[0].numerator === 0) return 0;
  let logSum = 0;
  for (const p of precisions) {
    const value = p.numerator === 0 ? BLEU_EPSILON / p.denominator : p.numerator / p.denominator;
    logSum += Math.log(value) / MAX_N;
  }
  const bp = brevityPenalty(closestRefLength(references, hypothesis.length), hypothesis.length);
  return bp * Math.exp(logSum);
}

/** Sentence BLEU-4 of a caption against reference captions (strings), tokenized by `tokenize`. */
export function sentenceBleu(references: readonly string[], hypothesis: string): number {
  return bleuTokens(
    references.map(tokenize).filter((r) => r.length > 0),
    tokenize(hypothesis),
  );
}
