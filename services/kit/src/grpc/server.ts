import * as grpc from '@grpc/grpc-js';

/** Server options shared by every service: generous message sizes for image uploads and batches. */
export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.keepalive_permit_without_calls': 1,
};

export function newServer(): grpc.Server {
  return new grpc.Server(SERVER_OPTIONS);
}

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
