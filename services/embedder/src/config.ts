import path from 'node:path';
import { commonSchema, ConfigError, DEFAULT_PORTS, env, loadConfig, processEnv, REPO_ROOT, type ConfigOf } from '@tit/kit';
import { DEFAULT_EMBEDDER_MODEL } from './domain/model-files';

/** The embedder's environment variables. */
export const schema = {
  ...commonSchema,
  GRPC_HOST: env.string('0.0.0.0'),
  EMBEDDER_PORT: env.port(DEFAULT_PORTS.embedder),
  /** Root of the model folders (`<org>/<name>/` each, Hugging Face layout). */
  MODELS_DIR: env.string(path.join(REPO_ROOT, '.models')),
  /** Served models, comma-separated; the first is the default. */
  EMBEDDER_MODELS: env.list([DEFAULT_EMBEDDER_MODEL]),
  /** File in each model's `onnx/` folder (model.onnx, model_quantized.onnx, ...), or a path inside the model folder. */
  EMBEDDER_ONNX_FILE: env.string('model.onnx'),
  /**
   * CPUs the sessions and their threads are planned for; 0 = those this process may use. Set it to
   * the container's CPU limit where os.availableParallelism() reports the node's cores (Kubernetes).
   */
  EMBEDDER_CPUS: env.int(0, 0, 1024),
  /** ONNX Runtime intra-op threads per parallel session; 0 = EMBEDDER_CPUS shared out among them. */
  EMBEDDER_INTRA_OP_THREADS: env.int(0, 0, 256),
  /**
   * ONNX Runtime sessions per model running batches in parallel, each in its own worker thread;
   * 0 (the default) = one per CPU, which gets the most texts through under load (see the README).
   */
  EMBEDDER_SESSIONS: env.int(0, 0, 64),
  /**
   * With more than one parallel session, keep one more session that uses every CPU for a run that
   * starts while all are idle, so a lone query is as fast as with one session (one more copy of the weights).
   */
  EMBEDDER_LONE_SESSION: env.bool(true),
  /** ONNX Runtime inter-op threads; 0 = ORT's default (unused with sequential execution). */
  EMBEDDER_INTER_OP_THREADS: env.int(0, 0, 256),
  /** Let idle ORT intra-op threads spin-wait (lower wake-up latency, but they steal the cores the event loop needs). */
  EMBEDDER_INTRA_OP_SPINNING: env.bool(false),
  /** Most texts in one model run. */
  EMBEDDER_MAX_BATCH: env.int(32, 1, 4096),
  /** Most padded tokens (texts x longest text) in one model run. */
  EMBEDDER_MAX_BATCH_TOKENS: env.int(8192, 1, 10_000_000),
  /** Longest a text waits for batch-mates while the model is idle. */
  EMBEDDER_MAX_WAIT_MS: env.number(2, 0, 1000),
  /** Most texts waiting for a model run; past it calls fail with RESOURCE_EXHAUSTED. */
  EMBEDDER_QUEUE_LIMIT: env.int(4096, 1, 10_000_000),
  /** Most texts in one call (INVALID_ARGUMENT past it). */
  EMBEDDER_MAX_TEXTS: env.int(512, 1, 1_000_000),
  /** Most characters in one text (INVALID_ARGUMENT past it). */
  EMBEDDER_MAX_CHARS: env.int(8192, 1, 10_000_000),
};

export type EmbedderConfig = ConfigOf<typeof schema>;

/** Loads and validates the embedder's configuration; throws one ConfigError listing every problem. */
export const loadServiceConfig = (e = processEnv()): EmbedderConfig => {
  const config = loadConfig('embedder', schema, e);
  const problems: string[] = [];
  if (config.EMBEDDER_MODELS.length === 0) problems.push('EMBEDDER_MODELS: must name at least one model');
  if (new Set(config.EMBEDDER_MODELS).size !== config.EMBEDDER_MODELS.length) {
    problems.push('EMBEDDER_MODELS: names a model twice');
  }
  if (config.EMBEDDER_QUEUE_LIMIT < config.EMBEDDER_MAX_TEXTS) {
    problems.push(
      `EMBEDDER_QUEUE_LIMIT (${config.EMBEDDER_QUEUE_LIMIT}) must be at least EMBEDDER_MAX_TEXTS ` +
        `(${config.EMBEDDER_MAX_TEXTS}), or a call at the text limit could never be queued`,
    );
  }
  if (problems.length > 0) throw new ConfigError('embedder', problems);
  return config;
};
