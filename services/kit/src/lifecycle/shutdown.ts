import type { Logger } from 'pino';
import { ConfigError } from '../config/load-config';
import { createLogger } from '../logging/logger';

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

/** A class of start-up error whose message says all (for example a missing model folder). */
export type ExpectedStartupError = abstract new (...args: never[]) => Error;

/**
 * The catch of every main(): logs why start-up failed and exits 1, so no half-started process
 * lingers. A ConfigError (every bad variable, listed) and the `expected` classes are one fatal line
 * with their message; anything else is logged with its stack. It logs through a logger of its own
 * (fatal lines pass every level), since start-up may fail before the configured one exists.
 *
 * Usage: `main().catch(exitOnStartupError('embedder', [ModelFilesError]))`.
 */
export function exitOnStartupError(service: string, expected: readonly ExpectedStartupError[] = []) {
  return (err: unknown): never => {
    const out = createLogger(service);
    if (err instanceof ConfigError || expected.some((E) => err instanceof E)) out.fatal((err as Error).message);
    else out.fatal({ err }, `${service} failed to start`);
    process.exit(1);
  };
}
