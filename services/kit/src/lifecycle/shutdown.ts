import type { Logger } from 'pino';

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if stop threw). A second signal
 * exits at once; a watchdog exits after `graceMs` plus a margin if stop hangs.
 */
export function onShutdown(log: Logger, graceMs: number, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, graceMs }, 'shutting down');
    const watchdog = setTimeout(() => {
      log.error('shutdown did not finish in time, exiting');
      process.exit(1);
    }, graceMs + 2000);
    watchdog.unref();
    stop(signal).then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Logs and exits on a failed start-up (bad config, missing model), so no half-started process lingers. */
export function exitOnStartupError(log: Pick<Logger, 'fatal'> | undefined) {
  return (err: unknown): never => {
    if (log) log.fatal({ err }, 'start-up failed');
    else console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  };
}
