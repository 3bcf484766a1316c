import { createLogger, exitOnStartupError, runGrpcService } from '@tit/kit';
import { loadServiceConfig } from './config';
import { createEmbedder } from './create-embedder';
import { ModelFilesError } from './domain/model-files';
import { buildServer } from './server';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  const log = createLogger('embedder', config.LOG_LEVEL);
  // Reads every model folder before binding, so a missing model stops start-up with one line.
  const embedder = createEmbedder(config);
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
