import { createLogger, exitOnStartupError, runGrpcService } from '@tit/kit';
import { loadServiceConfig } from './config';
import { Embedder } from './domain/embedder';
import { ModelFilesError, readModelSpec } from './domain/model-files';
import { buildServer } from './server';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  const log = createLogger('embedder', config.LOG_LEVEL);
  // Read every model folder before binding, so a missing model stops start-up with one line.
  const specs = config.EMBEDDER_MODELS.map((id) => readModelSpec(config.MODELS_DIR, id, config.EMBEDDER_ONNX_FILE));
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
      await embedder.start();
      return { models: embedder.list() };
    },
    close: () => embedder.close(),
  });
}

main().catch(exitOnStartupError('embedder', [ModelFilesError]));
