/**
 * Reading a text decoder's ONNX signature. The captioner adapts to what the sessions declare
 * instead of assuming one exporter's names, and refuses, at start-up, a graph it cannot drive.
 *
 * Known names (Optimum exports of vision/text encoder-decoders, the captioner's BLIP export):
 * - inputs: `input_ids`, `encoder_hidden_states` (required); optional `attention_mask` /
 *   `decoder_attention_mask` (ones over past + new), `encoder_attention_mask` (ones over the
 *   encoder sequence), `position_ids`, `use_cache_branch` (merged decoders), and past key/values
 *   `past_key_values.{i}.key|value` (self-attention only: GPT-2, BLIP) or
 *   `past_key_values.{i}.decoder|encoder.key|value` (self and cross attention: T5-style seq2seq);
 * - outputs: `logits` and `present.…` with the same suffixes.
 */

/** A past key/value input and where its next value comes from. */
export interface PastInput {
  /** Input name, e.g. `past_key_values.3.key`. */
  readonly name: string;
  /** Output that carries its next value (`present.3.key`); undefined for cross-attention pasts a with-past graph does not re-emit. */
  readonly present: string | undefined;
  /** Cross-attention (`….encoder.…`): computed once on the first step, then constant. */
  readonly cross: boolean;
  readonly heads: number;
  readonly headDim: number;
}

/** What one decoder graph takes and gives. */
export interface DecoderSignature {
  readonly encoderHiddenStates: string;
  readonly attentionMask: string | undefined;
  readonly encoderAttentionMask: string | undefined;
  readonly positionIds: string | undefined;
  readonly useCacheBranch: boolean;
  readonly past: readonly PastInput[];
  /** Every `present.*` output. */
  readonly presents: readonly string[];
}

/** Input/output description as onnxruntime reports it (a subset of InferenceSession.ValueMetadata). */
export interface ValueInfo {
  readonly name: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/** A graph the captioner does not know how to drive. */
export class DecoderLayoutError extends Error {}

const PAST = /^past_key_values\.(\d+)\.(?:(decoder|encoder)\.)?(key|value)$/;
const KNOWN = new Set([
  'input_ids',
  'encoder_hidden_states',
  'attention_mask',
  'decoder_attention_mask',
  'encoder_attention_mask',
  'position_ids',
  'use_cache_branch',
]);

/** Heads and head size when the graph leaves them symbolic (from config.json). */
export interface HeadFallback {
  readonly heads?: number;
  readonly headDim?: number;
}

/**
 * Reads a decoder graph's signature.
 * @param file - for error messages
 */
export function readDecoderSignature(
  file: string,
  inputs: readonly ValueInfo[],
  outputs: readonly ValueInfo[],
  fallback: HeadFallback,
): DecoderSignature {
  const inNames = new Set(inputs.map((i) => i.name));
  const outNames = new Set(outputs.map((o) => o.name));
  const unknown = inputs.map((i) => i.name).filter((n) => !KNOWN.has(n) && !PAST.test(n));
  const problems: string[] = [];
  if (!inNames.has('input_ids')) problems.push('no input_ids input');
  if (!inNames.has('encoder_hidden_states')) problems.push('no encoder_hidden_states input');
  if (!outNames.has('logits')) problems.push('no logits output');
  if (unknown.length > 0) problems.push(`unknown inputs ${unknown.join(', ')}`);
  if (inNames.has('attention_mask') && inNames.has('decoder_attention_mask')) problems.push('both attention_mask and decoder_attention_mask');

  const past: PastInput[] = [];
  for (const input of inputs) {
    const m = PAST.exec(input.name);
    if (!m) continue;
    const cross = m[2] === 'encoder';
    const presentName = input.name.replace(/^past_key_values\./, 'present.');
    const present = outNames.has(presentName) ? presentName : undefined;
    if (!present && !cross) problems.push(`${input.name} has no ${presentName} output`);
    const shape = input.shape ?? [];
    const heads = typeof shape[1] === 'number' ? shape[1] : fallback.heads;
    const headDim = typeof shape[3] === 'number' ? shape[3] : fallback.headDim;
    if (heads === undefined || headDim === undefined) {
      problems.push(`${input.name}: number of heads / head size unknown (symbolic in the graph and not in config.json)`);
      continue;
    }
    past.push({ name: input.name, present, cross, heads, headDim });
  }
  if (inNames.has('use_cache_branch') && past.length === 0) problems.push('use_cache_branch without past_key_values inputs');
  if (problems.length > 0) {
    throw new DecoderLayoutError(`${file}: unsupported decoder layout: ${problems.join('; ')}`);
  }
  return {
    encoderHiddenStates: 'encoder_hidden_states',
    attentionMask: inNames.has('attention_mask') ? 'attention_mask' : inNames.has('decoder_attention_mask') ? 'decoder_attention_mask' : undefined,
    encoderAttentionMask: inNames.has('encoder_attention_mask') ? 'encoder_attention_mask' : undefined,
    positionIds: inNames.has('position_ids') ? 'position_ids' : undefined,
    useCacheBranch: inNames.has('use_cache_branch'),
    past,
    presents: outputs.map((o) => o.name).filter((n) => n.startsWith('present.')),
  };
}

/**
 * How the decoder files on disk are used:
 * - `merged-with-past`: decoder_model_merged.onnx, `use_cache_branch` false on the first step;
 * - `separate-with-past`: decoder_model.onnx first, decoder_with_past_model.onnx after;
 * - `with-past`: one graph with past inputs and no branch flag, started with 0-length pasts;
 * - `no-past`: one graph without past; every step re-reads the whole sequence.
 */
export type DecoderLayout = 'merged-with-past' | 'separate-with-past' | 'with-past' | 'no-past';

/** Checks that a first-step graph (decoder_model.onnx) produces every past its with-past partner needs. */
export function checkSeparatePair(firstFile: string, first: DecoderSignature, next: DecoderSignature): void {
  if (first.past.length > 0) throw new DecoderLayoutError(`${firstFile}: has past_key_values inputs; expected the no-past first-step decoder`);
  const missing = next.past.map((p) => p.name.replace(/^past_key_values\./, 'present.')).filter((n) => !first.presents.includes(n));
  if (missing.length > 0) throw new DecoderLayoutError(`${firstFile}: does not output ${missing.join(', ')} needed by the with-past decoder`);
}
