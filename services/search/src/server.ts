import { Health, loadSearchProto, newServer, type Logger } from '@tit/kit';
import type * as grpc from '@grpc/grpc-js';
import type { SearchIndex } from './domain/search-index';
import { generationHandlers } from './handlers/generation.handlers';
import { queryHandlers } from './handlers/query.handlers';

/** The health service name clients check. */
export const SEARCH_HEALTH_SERVICE = 'search.v1.SearchService';

export interface ServerDeps {
  log: Logger;
  index: SearchIndex;
}

/** A gRPC server with the search service and health registered, not yet bound (health NOT_SERVING). */
export function buildServer(deps: ServerDeps): { server: grpc.Server; health: Health } {
  const server = newServer();
  const health = new Health([SEARCH_HEALTH_SERVICE]);
  health.addToServer(server);
  server.addService(loadSearchProto().search.v1.SearchService.service, {
    ...queryHandlers(deps.log, deps.index),
    ...generationHandlers(deps.log, deps.index),
  });
  return { server, health };
}
