/**
 * The logits processors the captioner supports, each with the semantics of its Hugging Face
 * transformers counterpart. They edit one row of scores in place; `sequence` is the row's full
 * decoder sequence so far (start token and any prompt included, as HF's `input_ids`).
 */

// Module-level aliases: inside jest's VM realm every global lookup (Math.exp) in a hot loop costs
// ~1 µs; a closure variable does not. Harmless in production.
const { exp, log } = Math;

/** RepetitionPenaltyLogitsProcessor: scores of tokens already in the sequence are divided (if > 0) or multiplied (if < 0) by `penalty`. */
export function applyRepetitionPenalty(scores: Float32Array, sequence: readonly number[], penalty: number): void {
  if (penalty === 1) return;
  const seen = new Set(sequence);
  for (const t of seen) {
    if (t < 0 || t >= scores.length) continue;
    const s = scores[t];
    scores[t] = s < 0 ? s * penalty : s / penalty;
  }
}

/**
 * NoRepeatNGramLogitsProcessor: the tokens that would complete an n-gram of size `n` already
 * present in `sequence`.
 */
export function bannedNgramTokens(sequence: readonly number[], n: number): number[] {
  const len = sequence.length;
  if (n <= 0 || len + 1 < n) return [];
  if (n === 1) return [...new Set(sequence)];
  const banned: number[] = [];
  const prefixStart = len - (n - 1);
  // Every earlier n-gram whose first n-1 tokens equal the current last n-1 tokens.
  for (let i = 0; i + n <= len; i++) {
    let same = true;
    for (let j = 0; j < n - 1; j++) {
      if (sequence[i + j] !== sequence[prefixStart + j]) {
        same = false;
        break;
      }
    }
    if (same) banned.push(sequence[i + n - 1]);
  }
  return banned;
}

/** Sets the banned n-gram completions to -Infinity. */
export function applyNoRepeatNgram(scores: Float32Array, sequence: readonly number[], n: number): void {
  for (const t of bannedNgramTokens(sequence, n)) if (t >= 0 && t < scores.length) scores[t] = -Infinity;
}

/** MinNewTokensLengthLogitsProcessor: the end tokens are impossible until `minNewTokens` tokens were generated. */
export function applyMinNewTokens(scores: Float32Array, newTokens: number, minNewTokens: number, eosTokenIds: readonly number[]): void {
  if (newTokens >= minNewTokens) return;
  for (const t of eosTokenIds) if (t >= 0 && t < scores.length) scores[t] = -Infinity;
}

/** Settings of {@link processScores}. */
export interface ProcessorSettings {
  readonly repetitionPenalty: number;
  readonly noRepeatNgramSize: number;
  readonly minNewTokens: number;
  readonly eosTokenIds: readonly number[];
  /** Length of the start tokens (decoder start + prompt) in every sequence. */
  readonly prefixLength: number;
}

/** Applies every processor in transformers' order (repetition penalty, no-repeat n-gram, min new tokens). */
export function processScores(scores: Float32Array, sequence: readonly number[], s: ProcessorSettings): void {
  applyRepetitionPenalty(scores, sequence, s.repetitionPenalty);
  if (s.noRepeatNgramSize > 0) applyNoRepeatNgram(scores, sequence, s.noRepeatNgramSize);
  applyMinNewTokens(scores, sequence.length - s.prefixLength, s.minNewTokens, s.eosTokenIds);
}

/** In-place log-softmax of a row (float64 accumulation, stored as float32 like torch's output). */
export function logSoftmaxInPlace(row: Float32Array): void {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  if (max === -Infinity) return;
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += exp(row[i] - max);
  const lse = max + log(sum);
  for (let i = 0; i < row.length; i++) row[i] = row[i] - lse;
}
