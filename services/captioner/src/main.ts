import { createLogger, exitOnStartupError, runGrpcService } from '@tit/kit';
import { loadServiceConfig } from './config';
import { createCaptioner } from './create-captioner';
import { ModelFilesError } from './domain/model-loader';
import { missingNodeFlags } from './node-flags';
import { buildServer } from './server';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  const log = createLogger('captioner', config.LOG_LEVEL);
  const missing = missingNodeFlags();
  if (missing.length > 0) {
    log.warn({ missing }, `started without ${missing.join(' ')}: captions cost more CPU (see services/captioner/src/node-flags.ts)`);
  }
  // Checks every model folder before binding, so a missing model stops start-up with one line.
  const captioner = createCaptioner(config);
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
