import { ConfigError, createLogger, runGrpcService } from '@tit/kit';
import { loadServiceConfig } from './config';
import { Captioner } from './domain/captioner';
import { locateModelFiles, ModelFilesError } from './domain/model-loader';
import { buildServer } from './server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadServiceConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('captioner').fatal(err.message);
    process.exit(1);
  }
  const log = createLogger('captioner', config.LOG_LEVEL);
  let files;
  try {
    // Check every model folder before binding, so a missing model stops start-up with one line.
    files = config.CAPTIONER_MODELS.map((id) => locateModelFiles(config.MODELS_DIR, id));
  } catch (err) {
    if (!(err instanceof ModelFilesError)) throw err;
    log.fatal(err.message);
    process.exit(1);
  }
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
      const started = performance.now();
      await captioner.start();
      log.info({ models: captioner.list(), ms: Math.round(performance.now() - started) }, 'models loaded and warmed up');
    },
    close: () => captioner.close(),
  });
}

main().catch((err: unknown) => {
  createLogger('captioner').fatal({ err }, 'captioner failed to start');
  process.exit(1);
});
