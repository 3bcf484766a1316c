import type * as grpc from '@grpc/grpc-js';
import { Health, newServer } from '@tit/kit';

/** The health service name the indexer reports besides the overall status. */
export const INDEXER_HEALTH_SERVICE = 'indexer';

/**
 * The indexer's gRPC server: it serves only grpc.health.v1 (the work arrives through the queue),
 * so probes and `pnpm start` treat it like every other service. SERVING means connected to Redis.
 */
export function buildServer(): { server: grpc.Server; health: Health } {
  const server = newServer();
  const health = new Health([INDEXER_HEALTH_SERVICE]);
  health.addToServer(server);
  return { server, health };
}
