/**
 * BLEU (Papineni et al., 2002), shared by the gateway (sentence BLEU-4 of a result caption) and the
 * evaluation (corpus BLEU-1..4 of a captioner). Numbers match NLTK 3.8's `nltk.translate.bleu_score`
 * on the tokens of {@link tokenize}:
 *
 * - **Tokenization** ({@link tokenize}): lower case; runs of letters/digits are words (an apostrophe
 *   between letters stays inside: "dog's"); every other non-space character is a token of its own, so
 *   punctuation is split off ("grass." -> "grass", "."). Both references and hypotheses use it.
 * - **Modified n-gram precision** p_n: each hypothesis n-gram counts at most as often as it appears
 *   in any single reference (clipping); the denominator is the number of hypothesis n-grams, floored
 *   at 1 per sentence (as NLTK's `modified_precision`).
 * - **Brevity penalty**: r = the reference length closest to the hypothesis length (ties: the
 *   shorter), c = hypothesis length; BP = 1 if c > r, 0 if c = 0, else exp(1 - r / c).
 * - **BLEU-N** = BP · exp(Σ_{n=1..N} (1/N) · ln p_n) (uniform weights).
 * - **Smoothing** (only matters when some p_n has no match):
 *   - `method1` — Chen & Cherry (2014) method 1, NLTK `SmoothingFunction().method1`, epsilon 0.1:
 *     a precision with numerator 0 becomes 0.1 / denominator. This is what the API's sentence BLEU uses.
 *   - `none` — no smoothing: any p_n with no match makes BLEU 0 (NLTK's method0 returns a value
 *     below 1e-76 there instead of exactly 0).
 *   In both, BLEU is 0 when no unigram matches at all (NLTK does the same).
 * - **Sentence BLEU** scores one hypothesis; **corpus BLEU** (NLTK `corpus_bleu`) sums the clipped
 *   numerators and the denominators of every p_n over the corpus, and the hypothesis lengths and
 *   closest reference lengths over the corpus, before combining — it is not a mean of sentence scores.
 *
 * References that tokenize to nothing are dropped (they would otherwise pull the brevity length to 0).
 */

/** The smoothing epsilon of NLTK's method1. */
export const BLEU_EPSILON = 0.1;

/** Smoothing of zero n-gram precisions; see the module comment. */
export type BleuSmoothing = 'none' | 'method1';

/** Options of BLEU computations. */
export interface BleuOptions {
  /** Highest n-gram order N (BLEU-N with weights 1/N each); default 4. */
  maxN?: number;
  /** Default `method1` for sentence BLEU, `none` for corpus BLEU. */
  smoothing?: BleuSmoothing;
}

/** Token lists of one sentence: its references and its hypothesis. */
export interface BleuSegment {
  references: readonly (readonly string[])[];
  hypothesis: readonly string[];
}

/** Corpus BLEU and the statistics it was computed from. */
export interface CorpusBleu {
  /** bleu[n - 1] is BLEU-n (uniform weights 1/n over orders 1..n), for n = 1..maxN. */
  bleu: number[];
  /** precisions[n - 1]: clipped matches and hypothesis n-grams of order n, summed over the corpus. */
  precisions: Array<{ numerator: number; denominator: number }>;
  brevityPenalty: number;
  /** Total hypothesis tokens (c). */
  hypothesisLength: number;
  /** Total closest-reference tokens (r). */
  referenceLength: number;
  /** Segments counted (those with at least one non-empty reference). */
  segments: number;
}

const DEFAULT_MAX_N = 4;

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

/** BP = 1 if c > r, 0 if c = 0, else exp(1 − r / c). */
export function brevityPenalty(refLen: number, hypLen: number): number {
  if (hypLen > refLen) return 1;
  if (hypLen === 0) return 0;
  return Math.exp(1 - refLen / hypLen);
}

function checkMaxN(maxN: number): number {
  if (!Number.isInteger(maxN) || maxN < 1 || maxN > 16) throw new RangeError(`BLEU order must be an integer in 1..16, got ${maxN}`);
  return maxN;
}

/** BP · exp(Σ (1/N) ln p_n) for N = 1..precisions.length, smoothed as asked; 0 if no unigram matches. */
function combine(
  precisions: ReadonlyArray<{ numerator: number; denominator: number }>,
  bp: number,
  smoothing: BleuSmoothing,
): number {
  if (precisions[0].numerator === 0) return 0;
  const n = precisions.length;
  let logSum = 0;
  for (const p of precisions) {
    if (p.numerator === 0) {
      if (smoothing === 'none') return 0;
      logSum += Math.log(BLEU_EPSILON / p.denominator) / n;
    } else {
      logSum += Math.log(p.numerator / p.denominator) / n;
    }
  }
  return bp * Math.exp(logSum);
}

/**
 * Sentence BLEU-N of token lists (default BLEU-4 with `method1` smoothing, the API's score).
 * 0 when there are no references or the hypothesis is empty.
 */
export function bleuTokens(
  references: readonly (readonly string[])[],
  hypothesis: readonly string[],
  opts: BleuOptions = {},
): number {
  const maxN = checkMaxN(opts.maxN ?? DEFAULT_MAX_N);
  if (references.length === 0 || hypothesis.length === 0) return 0;
  const precisions = [];
  for (let n = 1; n <= maxN; n++) precisions.push(modifiedPrecision(references, hypothesis, n));
  const bp = brevityPenalty(closestRefLength(references, hypothesis.length), hypothesis.length);
  return combine(precisions, bp, opts.smoothing ?? 'method1');
}

/** Sentence BLEU of a caption against reference captions (strings), tokenized by {@link tokenize}. */
export function sentenceBleu(references: readonly string[], hypothesis: string, opts: BleuOptions = {}): number {
  return bleuTokens(
    references.map(tokenize).filter((r) => r.length > 0),
    tokenize(hypothesis),
    opts,
  );
}

/**
 * Corpus BLEU-1..maxN of token lists (NLTK `corpus_bleu`; default no smoothing). Segments without
 * references are skipped. An empty corpus, or one with no unigram match, scores 0.
 */
export function corpusBleuTokens(segments: readonly BleuSegment[], opts: BleuOptions = {}): CorpusBleu {
  const maxN = checkMaxN(opts.maxN ?? DEFAULT_MAX_N);
  const smoothing = opts.smoothing ?? 'none';
  const precisions = Array.from({ length: maxN }, () => ({ numerator: 0, denominator: 0 }));
  let hypothesisLength = 0;
  let referenceLength = 0;
  let counted = 0;
  for (const { references, hypothesis } of segments) {
    if (references.length === 0) continue;
    counted++;
    for (let n = 1; n <= maxN; n++) {
      const p = modifiedPrecision(references, hypothesis, n);
      precisions[n - 1].numerator += p.numerator;
      precisions[n - 1].denominator += p.denominator;
    }
    hypothesisLength += hypothesis.length;
    referenceLength += closestRefLength(references, hypothesis.length);
  }
  const bp = brevityPenalty(referenceLength, hypothesisLength);
  const bleu = counted === 0 ? new Array<number>(maxN).fill(0) : precisions.map((_, i) => combine(precisions.slice(0, i + 1), bp, smoothing));
  return { bleu, precisions, brevityPenalty: counted === 0 ? 0 : bp, hypothesisLength, referenceLength, segments: counted };
}

/** Corpus BLEU of captions (strings) against their references, tokenized by {@link tokenize}. */
export function corpusBleu(
  items: ReadonlyArray<{ references: readonly string[]; hypothesis: string }>,
  opts: BleuOptions = {},
): CorpusBleu {
  return corpusBleuTokens(
    items.map((it) => ({
      references: it.references.map(tokenize).filter((r) => r.length > 0),
      hypothesis: tokenize(it.hypothesis),
    })),
    opts,
  );
}
