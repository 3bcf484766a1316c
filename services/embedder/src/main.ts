import { ConfigError, createLogger } from '@tit/kit';
import { runGrpcService } from '@tit/kit';
import { loadServiceConfig } from './config';
import { Embedder } from './domain/embedder';
import { ModelFilesError, readModelSpec } from './domain/model-files';
import { buildServer } from './server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadServiceConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('embedder').fatal(err.message);
    process.exit(1);
  }
  const log = createLogger('embedder', config.LOG_LEVEL);
  let specs;
  try {
    // Read every model folder before binding, so a missing model stops start-up with one line.
    specs = config.EMBEDDER_MODELS.map((id) => readModelSpec(config.MODELS_DIR, id, config.EMBEDDER_ONNX_FILE));
  } catch (err) {
    if (!(err instanceof ModelFilesError)) throw err;
    log.fatal(err.message);
    process.exit(1);
  }
  const embedder = new Embedder(
    specs,
    { maxTexts: config.EMBEDDER_MAX_TEXTS, maxChars: config.EMBEDDER_MAX_CHARS },
    {
      maxBatch: config.EMBEDDER_MAX_BATCH,
      maxBatchTokens: config.EMBEDDER_MAX_BATCH_TOKENS,
      maxWaitMs: config.EMBEDDER_MAX_WAIT_MS,
      queueLimit: config.EMBEDDER_QUEUE_LIMIT,
    },
    {
      intraOp: config.EMBEDDER_INTRA_OP_THREADS,
      interOp: config.EMBEDDER_INTER_OP_THREADS,
      spinning: config.EMBEDDER_INTRA_OP_SPINNING,
    },
  );
  const { server, health } = buildServer({ log, embedder });
  await runGrpcService({
    log,
    server,
    health,
    host: config.GRPC_HOST,
    port: config.EMBEDDER_PORT,
    graceMs: config.SHUTDOWN_GRACE_MS,
    warmUp: async () => {
      const started = performance.now();
      await embedder.start();
      log.info({ models: embedder.list(), ms: Math.round(performance.now() - started) }, 'models loaded and warmed up');
    },
    close: () => embedder.close(),
  });
}

main().catch((err: unknown) => {
  createLogger('embedder').fatal({ err }, 'embedder failed to start');
  process.exit(1);
});
