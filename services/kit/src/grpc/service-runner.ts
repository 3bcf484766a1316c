import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { Health } from './health';
import { bindServer, drainServer } from './server';
import { onShutdown } from '../lifecycle/shutdown';

/** What a service's main hands to `runGrpcService` after wiring its dependencies. */
export interface GrpcServiceSpec {
  log: Logger;
  server: grpc.Server;
  health: Health;
  host: string;
  port: number;
  graceMs: number;
  /**
   * Slow start-up work (model loading, warm-up, snapshot restore); health turns SERVING after it.
   * What it returns (models loaded, generation restored) is logged with the time it took.
   */
  warmUp?: () => Promise<Record<string, unknown> | void>;
  /** Releases resources after the server drained (sessions, connections). */
  close?: () => Promise<void>;
}

/**
 * The common tail of every gRPC service's main: bind, warm up while NOT_SERVING, turn SERVING, and
 * on SIGTERM/SIGINT go NOT_SERVING, drain in-flight calls within the grace period, close, exit 0.
 * Binding before warm-up lets orchestrators see a live-but-not-ready process while models load.
 */
export async function runGrpcService(spec: GrpcServiceSpec): Promise<number> {
  const { log, server, health } = spec;
  const port = await bindServer(server, spec.host, spec.port);
  log.info({ port }, 'listening');
  let stopped = false;
  onShutdown(log, spec.graceMs, async () => {
    stopped = true;
    health.set('NOT_SERVING');
    const drained = await drainServer(server, spec.graceMs);
    if (!drained) log.warn('grace period over, in-flight calls were cancelled');
    await spec.close?.();
  });
  if (spec.warmUp) {
    const started = performance.now();
    const details = await spec.warmUp();
    log.info({ ...details, ms: Math.round(performance.now() - started) }, 'warmed up');
  }
  if (!stopped) {
    health.set('SERVING');
    log.info({ port }, 'serving');
  }
  return port;
}
