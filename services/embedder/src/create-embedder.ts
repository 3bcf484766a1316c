import type { EmbedderConfig } from './config';
import { Embedder } from './domain/embedder';
import { readModelSpec } from './domain/model-files';
import type { OrtThreads } from './domain/onnx-encoder';

/** The ONNX Runtime sessions and threads a configuration asks for. */
export function ortThreadsOf(config: EmbedderConfig): OrtThreads {
  return {
    intraOp: config.EMBEDDER_INTRA_OP_THREADS,
    interOp: config.EMBEDDER_INTER_OP_THREADS,
    spinning: config.EMBEDDER_INTRA_OP_SPINNING,
    sessions: config.EMBEDDER_SESSIONS,
    loneSession: config.EMBEDDER_LONE_SESSION,
    ...(config.EMBEDDER_CPUS > 0 && { cpus: config.EMBEDDER_CPUS }),
  };
}

/**
 * The Embedder a configuration describes (used by main and by the in-process benchmark baselines).
 * Reads every model folder first, so a missing model throws ModelFilesError before anything starts.
 */
export function createEmbedder(config: EmbedderConfig): Embedder {
  const specs = config.EMBEDDER_MODELS.map((id) => readModelSpec(config.MODELS_DIR, id, config.EMBEDDER_ONNX_FILE));
  return new Embedder(
    specs,
    { maxTexts: config.EMBEDDER_MAX_TEXTS, maxChars: config.EMBEDDER_MAX_CHARS },
    {
      maxBatch: config.EMBEDDER_MAX_BATCH,
      maxBatchTokens: config.EMBEDDER_MAX_BATCH_TOKENS,
      maxWaitMs: config.EMBEDDER_MAX_WAIT_MS,
      queueLimit: config.EMBEDDER_QUEUE_LIMIT,
    },
    ortThreadsOf(config),
  );
}
