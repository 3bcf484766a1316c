import * as grpc from '@grpc/grpc-js';

/** Server options shared by every service: generous message sizes for image uploads and batches. */
export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.keepalive_permit_without_calls': 1,
};

export interface NewServerOptions {
  /**
   * Close each client connection after this long (with a grace period for calls in flight). Set on
   * stateless, horizontally scaled services (embedder, captioner): clients then reconnect and
   * re-resolve DNS, so pods added by an autoscaler get traffic. Left unset where clients hold long
   * streams (search upserts).
   */
  maxConnectionAgeMs?: number;
}

export function newServer(opts: NewServerOptions = {}): grpc.Server {
  if (!opts.maxConnectionAgeMs) return new grpc.Server(SERVER_OPTIONS);
  return new grpc.Server({
    ...SERVER_OPTIONS,
    'grpc.max_connection_age_ms': opts.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': 30_000,
  });
}

/** Connection age for stateless inference services: long enough to amortize connects, short enough to rebalance. */
export const INFERENCE_MAX_CONNECTION_AGE_MS = 5 * 60_000;

/** Binds `server` to host:port (port 0 picks a free one) and resolves to the bound port. */
export function bindServer(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
}

/**
 * Drains a server: stops accepting calls, lets in-flight ones finish, and force-closes after
 * `graceMs`. Resolves to true when it drained in time.
 */
export function drainServer(server: grpc.Server, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve(false);
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
