import path from 'node:path';
import { commonSchema, ConfigError, DEFAULT_PORTS, env, loadConfig, processEnv, REPO_ROOT, type ConfigOf } from '@tit/kit';
import { ALPHA_MODES } from './domain/alpha';
import { RESIZERS } from './domain/preprocess';

/** BLIP base: the default captioning model (exported with export/export_blip.py). */
export const BLIP_MODEL = 'Salesforce/blip-image-captioning-base';
/** ViT-GPT2: the second model, in the layout of its public Optimum export. */
export const VIT_GPT2_MODEL = 'nlpconnect/vit-gpt2-image-captioning';

/** The captioner's environment variables. */
export const schema = {
  ...commonSchema,
  GRPC_HOST: env.string('0.0.0.0'),
  CAPTIONER_PORT: env.port(DEFAULT_PORTS.captioner),
  /** Root of the model folders (`<org>/<name>/` each). */
  MODELS_DIR: env.string(path.join(REPO_ROOT, '.models')),
  /** Served models, comma-separated; the first is the default. */
  CAPTIONER_MODELS: env.list([BLIP_MODEL, VIT_GPT2_MODEL]),
  /** ONNX Runtime intra-op threads per session; 0 = one per CPU this process may use. */
  CAPTIONER_INTRA_OP_THREADS: env.int(0, 0, 256),
  /** ONNX Runtime inter-op threads; 0 = ORT's default (unused with sequential execution). */
  CAPTIONER_INTER_OP_THREADS: env.int(0, 0, 256),
  /** Let idle ONNX Runtime threads spin-wait between runs (faster wake-up, burns a core). */
  CAPTIONER_INTRA_OP_SPINNING: env.bool(false),
  /** Largest accepted upload in bytes (RESOURCE_EXHAUSTED past it). */
  CAPTIONER_MAX_BYTES: env.int(20 * 1024 * 1024, 1, 1024 * 1024 * 1024),
  /** Most decoded pixels (width x height of the first frame), checked from the header before decoding. */
  CAPTIONER_MAX_PIXELS: env.int(50_000_000, 1, 1_000_000_000),
  /** Captions kept in the in-memory LRU cache (content hash + model + options); 0 disables it. */
  CAPTIONER_CACHE_SIZE: env.int(1000, 0, 10_000_000),
  /** Longest an image waits for batch-mates while the encoder is idle. */
  CAPTIONER_BATCH_WAIT_MS: env.number(2, 0, 1000),
  /** Most images in one encoder run. */
  CAPTIONER_MAX_BATCH: env.int(8, 1, 256),
  /** Most captions in progress (queued included); past it calls fail with RESOURCE_EXHAUSTED. */
  CAPTIONER_QUEUE_LIMIT: env.int(64, 1, 100_000),
  /** Captions generating text at the same time (each runs its own decoder steps). */
  CAPTIONER_DECODE_CONCURRENCY: env.int(2, 1, 64),
  /** Upper bound on a request's max_new_tokens. */
  CAPTIONER_MAX_NEW_TOKENS: env.int(64, 1, 512),
  /** Upper bound on a request's num_beams. */
  CAPTIONER_MAX_BEAMS: env.int(8, 1, 64),
  /** Transparency: `drop` (PIL convert("RGB"), what the HF processors do) or `white` (composite on white). */
  CAPTIONER_ALPHA: env.oneOf(ALPHA_MODES, 'drop'),
  /** Resampler: `pil` (bit-identical to the HF processors) or `sharp` (libvips kernels; see README). */
  CAPTIONER_RESIZE: env.oneOf(RESIZERS, 'pil'),
};

export type CaptionerConfig = ConfigOf<typeof schema>;

/** Loads and validates the captioner's configuration; throws one ConfigError listing every problem. */
export const loadServiceConfig = (e = processEnv()): CaptionerConfig => {
  const config = loadConfig('captioner', schema, e);
  const problems: string[] = [];
  if (config.CAPTIONER_MODELS.length === 0) problems.push('CAPTIONER_MODELS: must name at least one model');
  if (new Set(config.CAPTIONER_MODELS).size !== config.CAPTIONER_MODELS.length) problems.push('CAPTIONER_MODELS: names a model twice');
  if (problems.length > 0) throw new ConfigError('captioner', problems);
  return config;
};
