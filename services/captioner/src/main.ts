import { createLogger, exitOnStartupError, runGrpcService } from '@tit/kit';
import { loadServiceConfig } from './config';
import { Captioner } from './domain/captioner';
import { locateModelFiles, ModelFilesError } from './domain/model-loader';
import { buildServer } from './server';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  const log = createLogger('captioner', config.LOG_LEVEL);
  // Check every model folder before binding, so a missing model stops start-up with one line.
  const files = config.CAPTIONER_MODELS.map((id) => locateModelFiles(config.MODELS_DIR, id));
  const captioner = new Captioner(files, {
    limits: { maxBytes: config.CAPTIONER_MAX_BYTES, maxPixels: config.CAPTIONER_MAX_PIXELS },
    generation: { maxNewTokens: config.CAPTIONER_MAX_NEW_TOKENS, maxBeams: config.CAPTIONER_MAX_BEAMS },
    cacheSize: config.CAPTIONER_CACHE_SIZE,
    queueLimit: config.CAPTIONER_QUEUE_LIMIT,
    decodeConcurrency: config.CAPTIONER_DECODE_CONCURRENCY,
    batch: { maxBatch: config.CAPTIONER_MAX_BATCH, maxWaitMs: config.CAPTIONER_BATCH_WAIT_MS },
    preprocess: { alpha: config.CAPTIONER_ALPHA, resizer: config.CAPTIONER_RESIZE },
    runtime: {
      intraOpThreads: config.CAPTIONER_INTRA_OP_THREADS,
      interOpThreads: config.CAPTIONER_INTER_OP_THREADS,
      spinning: config.CAPTIONER_INTRA_OP_SPINNING,
    },
  });
  const { server, health } = buildServer({ log, captioner });
  await runGrpcService({
    log,
    server,
    health,
    host: config.GRPC_HOST,
    port: config.CAPTIONER_PORT,
    graceMs: config.SHUTDOWN_GRACE_MS,
    warmUp: async () => {
      await captioner.start();
      return { models: captioner.list() };
    },
    close: () => captioner.close(),
  });
}

main().catch(exitOnStartupError('captioner', [ModelFilesError]));
