import { createLogger, exitOnStartupError, runGrpcService } from '@tit/kit';
import { loadServiceConfig } from './config';
import { buildServer } from './server';
import { createSearchService } from './service';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  const log = createLogger('search', config.LOG_LEVEL);
  const service = createSearchService(config, log);
  const { server, health } = buildServer({ log, index: service.index });
  await runGrpcService({
    log,
    server,
    health,
    host: config.GRPC_HOST,
    port: config.SEARCH_PORT,
    graceMs: config.SHUTDOWN_GRACE_MS,
    warmUp: async () => {
      await service.start();
      return { role: config.SEARCH_ROLE, serving: service.index.servingId, dir: config.SEARCH_SNAPSHOT_DIR };
    },
    close: () => service.close(),
  });
}

main().catch(exitOnStartupError('search'));
