import type { CaptionerConfig } from './config';
import { Captioner } from './domain/captioner';
import { locateModelFiles, type RuntimeOptions } from './domain/model-loader';

/** The ONNX Runtime options a configuration asks for. */
export function runtimeOf(config: CaptionerConfig): RuntimeOptions {
  return {
    intraOpThreads: config.CAPTIONER_INTRA_OP_THREADS,
    interOpThreads: config.CAPTIONER_INTER_OP_THREADS,
    spinning: config.CAPTIONER_INTRA_OP_SPINNING,
  };
}

/**
 * The Captioner a configuration describes (used by main and by the in-process benchmark baselines).
 * Checks every model folder first, so a missing model throws ModelFilesError before anything starts.
 */
export function createCaptioner(config: CaptionerConfig): Captioner {
  const files = config.CAPTIONER_MODELS.map((id) => locateModelFiles(config.MODELS_DIR, id));
  return new Captioner(files, {
    limits: { maxBytes: config.CAPTIONER_MAX_BYTES, maxPixels: config.CAPTIONER_MAX_PIXELS },
    generation: { maxNewTokens: config.CAPTIONER_MAX_NEW_TOKENS, maxBeams: config.CAPTIONER_MAX_BEAMS },
    cacheSize: config.CAPTIONER_CACHE_SIZE,
    queueLimit: config.CAPTIONER_QUEUE_LIMIT,
    decodeConcurrency: config.CAPTIONER_DECODE_CONCURRENCY,
    batch: { maxBatch: config.CAPTIONER_MAX_BATCH, maxWaitMs: config.CAPTIONER_BATCH_WAIT_MS },
    preprocess: { alpha: config.CAPTIONER_ALPHA, resizer: config.CAPTIONER_RESIZE },
    runtime: runtimeOf(config),
  });
}
