/**
 * The gateway's long-lived gRPC clients: one channel per service (round_robin over every address
 * the target resolves to, see kit CLIENT_CHANNEL_OPTIONS) plus one health client per service.
 */
import {
  createClient,
  createHealthClient,
  loadCaptionerProto,
  loadEmbedderProto,
  loadSearchProto,
} from '@tit/kit';
import type { CaptionerServiceClient } from '@tit/kit/src/generated/captioner/v1/CaptionerService';
import type { EmbedderServiceClient } from '@tit/kit/src/generated/embedder/v1/EmbedderService';
import type { SearchServiceClient } from '@tit/kit/src/generated/search/v1/SearchService';

export type ServiceName = 'captioner' | 'embedder' | 'search';
export const SERVICE_NAMES: readonly ServiceName[] = ['captioner', 'embedder', 'search'];

export type HealthClient = ReturnType<typeof createHealthClient>;

export interface GrpcClients {
  captioner: CaptionerServiceClient;
  embedder: EmbedderServiceClient;
  search: SearchServiceClient;
  health: Record<ServiceName, HealthClient>;
  close(): void;
}

export type ServiceAddresses = Record<ServiceName, string>;

/** Creates the clients; channels connect lazily on the first call. */
export function createGrpcClients(addrs: ServiceAddresses): GrpcClients {
  const captioner = createClient(loadCaptionerProto().captioner.v1.CaptionerService, addrs.captioner);
  const embedder = createClient(loadEmbedderProto().embedder.v1.EmbedderService, addrs.embedder);
  const search = createClient(loadSearchProto().search.v1.SearchService, addrs.search);
  const health = {
    captioner: createHealthClient(addrs.captioner),
    embedder: createHealthClient(addrs.embedder),
    search: createHealthClient(addrs.search),
  };
  return {
    captioner,
    embedder,
    search,
    health,
    close() {
      for (const c of [captioner, embedder, search, ...Object.values(health)]) c.close();
    },
  };
}
