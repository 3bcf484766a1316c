import { ConfigError, createLogger, runGrpcService } from '@tit/kit';
import { loadServiceConfig } from './config';
import { buildServer } from './server';
import { createSearchService } from './service';

async function main(): Promise<void> {
  let config;
  try {
    config = loadServiceConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('search').fatal(err.message);
    process.exit(1);
  }
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
      log.info({ role: config.SEARCH_ROLE, serving: service.index.servingId, dir: config.SEARCH_SNAPSHOT_DIR }, 'ready');
    },
    close: () => service.close(),
  });
}

main().catch((err: unknown) => {
  createLogger('search').fatal({ err }, 'search failed to start');
  process.exit(1);
});
