import { InvalidInputError } from '@tit/kit';
import type { SearchParams } from './generation';

/** A model's decoding defaults, from generation_config.json with config.json and transformers' defaults behind it. */
export interface GenerationDefaults {
  readonly maxNewTokens: number;
  readonly minNewTokens: number;
  readonly numBeams: number;
  readonly repetitionPenalty: number;
  readonly noRepeatNgramSize: number;
  readonly lengthPenalty: number;
  readonly earlyStopping: boolean | 'never';
  /** First decoder token: [DEC] for BLIP, <|endoftext|> for ViT-GPT2. */
  readonly decoderStartTokenId: number;
  readonly eosTokenIds: readonly number[];
}

/** generation_config.json / config.json cannot give the captioner what it needs. */
export class GenerationConfigError extends Error {}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function first<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((v) => v !== undefined);
}

function ids(v: unknown): number[] | undefined {
  if (int(v) !== undefined) return [v as number];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => int(x) !== undefined)) return v as number[];
  return undefined;
}

const LEGACY_GENERATION_KEYS = new Set([
  'max_length',
  'max_new_tokens',
  'min_length',
  'min_new_tokens',
  'num_beams',
  'repetition_penalty',
  'no_repeat_ngram_size',
  'length_penalty',
  'early_stopping',
]);

/**
 * Reads the decoding defaults the way transformers' `generate` would for this model.
 *
 * Token ids: generation_config.json first, then config.json (top level, then its `decoder` /
 * `text_config`). BLIP is special-cased as `BlipForConditionalGeneration.generate` is: it starts
 * from `text_config.bos_token_id` ([DEC]) and ends at `text_config.sep_token_id` ([SEP]) unless
 * generation_config.json says otherwise.
 *
 * Lengths: `max_new_tokens` when set, else `max_length` (default 20) minus the start token;
 * likewise `min_new_tokens` / `min_length` (default 0). Without generation_config.json the
 * generation keys of config.json are used, as transformers does for older checkpoints.
 */
export function readGenerationDefaults(generationConfig: unknown, config: unknown, source = 'generation_config.json'): GenerationDefaults {
  const c = obj(config) ?? {};
  // Without generation_config.json, transformers takes the generation keys of config.json (legacy).
  const g = obj(generationConfig) ?? Object.fromEntries(Object.entries(c).filter(([k]) => LEGACY_GENERATION_KEYS.has(k)));
  const dec = obj(c.decoder) ?? {};
  const text = obj(c.text_config) ?? {};
  const isBlip = c.model_type === 'blip';

  const decoderStartTokenId = first(
    int(g.decoder_start_token_id),
    isBlip ? int(text.bos_token_id) : undefined,
    int(c.decoder_start_token_id),
    int(dec.decoder_start_token_id),
    int(g.bos_token_id),
    int(c.bos_token_id),
    int(dec.bos_token_id),
    int(text.bos_token_id),
  );
  const eosTokenIds = first(
    ids(g.eos_token_id),
    isBlip ? ids(text.sep_token_id) : undefined,
    ids(c.eos_token_id),
    ids(dec.eos_token_id),
    ids(text.eos_token_id),
  );
  if (decoderStartTokenId === undefined) {
    throw new GenerationConfigError(`${source}/config.json: no decoder_start_token_id or bos_token_id`);
  }
  if (eosTokenIds === undefined) throw new GenerationConfigError(`${source}/config.json: no eos_token_id`);

  const prefixLength = 1;
  const maxNewTokens = first(int(g.max_new_tokens), (int(g.max_length) ?? 20) - prefixLength) as number;
  const minNewTokens = Math.max(0, first(int(g.min_new_tokens), (int(g.min_length) ?? 0) - prefixLength) as number);
  if (maxNewTokens < 1) throw new GenerationConfigError(`${source}: max_length leaves no room for a caption`);
  const early = g.early_stopping;
  return {
    maxNewTokens,
    minNewTokens: Math.min(minNewTokens, maxNewTokens),
    numBeams: Math.max(1, int(g.num_beams) ?? 1),
    repetitionPenalty: num(g.repetition_penalty) ?? 1,
    noRepeatNgramSize: Math.max(0, int(g.no_repeat_ngram_size) ?? 0),
    lengthPenalty: num(g.length_penalty) ?? 1,
    earlyStopping: early === true || early === 'never' ? early : false,
    decoderStartTokenId,
    eosTokenIds,
  };
}

/** Request-level overrides (each optional; unset takes the model's default). */
export interface GenerationOverrides {
  maxNewTokens?: number;
  minNewTokens?: number;
  numBeams?: number;
  repetitionPenalty?: number;
  noRepeatNgramSize?: number;
}

/** Bounds a request's options must respect (service configuration). */
export interface GenerationLimits {
  /** CAPTIONER_MAX_NEW_TOKENS. */
  readonly maxNewTokens: number;
  /** CAPTIONER_MAX_BEAMS. */
  readonly maxBeams: number;
}

/** The five request-controllable settings, resolved (what the cache key and the response describe). */
export type ResolvedOptions = Required<GenerationOverrides>;

function checkInt(name: string, v: number, lo: number, hi: number, limitName?: string): number {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new InvalidInputError(`options.${name} must be an integer from ${lo} to ${hi}${limitName ? ` (${limitName})` : ''}; got ${v}`);
  }
  return v;
}

/** Most repetition penalty accepted: beyond it every seen token is effectively banned. */
export const MAX_REPETITION_PENALTY = 10;
/** Largest no-repeat n-gram size accepted. */
export const MAX_NO_REPEAT_NGRAM = 16;

/**
 * Merges a request's overrides onto the model's defaults and validates them; a bad value is an
 * InvalidInputError naming the option and its allowed range.
 */
export function resolveOptions(defaults: GenerationDefaults, req: GenerationOverrides, limits: GenerationLimits): ResolvedOptions {
  const maxNewTokens = checkInt(
    'max_new_tokens',
    req.maxNewTokens ?? Math.min(defaults.maxNewTokens, limits.maxNewTokens),
    1,
    limits.maxNewTokens,
    'CAPTIONER_MAX_NEW_TOKENS',
  );
  const minNewTokens = checkInt('min_new_tokens', req.minNewTokens ?? Math.min(defaults.minNewTokens, maxNewTokens), 0, maxNewTokens);
  const numBeams = checkInt('num_beams', req.numBeams ?? Math.min(defaults.numBeams, limits.maxBeams), 1, limits.maxBeams, 'CAPTIONER_MAX_BEAMS');
  const repetitionPenalty = req.repetitionPenalty ?? defaults.repetitionPenalty;
  if (!Number.isFinite(repetitionPenalty) || repetitionPenalty <= 0 || repetitionPenalty > MAX_REPETITION_PENALTY) {
    throw new InvalidInputError(`options.repetition_penalty must be > 0 and <= ${MAX_REPETITION_PENALTY}; got ${repetitionPenalty}`);
  }
  const noRepeatNgramSize = checkInt('no_repeat_ngram_size', req.noRepeatNgramSize ?? defaults.noRepeatNgramSize, 0, MAX_NO_REPEAT_NGRAM);
  return { maxNewTokens, minNewTokens, numBeams, repetitionPenalty, noRepeatNgramSize };
}

/** The search parameters for resolved options. */
export function searchParams(defaults: GenerationDefaults, o: ResolvedOptions, prompt: readonly number[] = []): SearchParams {
  return {
    ...o,
    lengthPenalty: defaults.lengthPenalty,
    earlyStopping: defaults.earlyStopping,
    eosTokenIds: defaults.eosTokenIds,
    prefix: [defaults.decoderStartTokenId, ...prompt],
  };
}
