/** Wiring only: config -> logger -> deps -> app -> listen; SIGTERM/SIGINT drain and exit 0. */
import { createLogger, exitOnStartupError, onShutdown } from '@tit/kit';
import { buildApp } from './app';
import { loadGatewayConfig } from './config';
import { createDeps } from './deps';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const log = createLogger('gateway', config.LOG_LEVEL);
  const app = await buildApp(await createDeps(config, log));
  onShutdown(log, config.SHUTDOWN_GRACE_MS, () => app.close());
  await app.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT });
}

main().catch(exitOnStartupError('gateway'));
