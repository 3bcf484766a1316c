import type { Logger } from '@tit/kit';
import type { SearchConfig } from './config';
import { createIndex } from './create-index';
import { RedisNotifier, ReplicaSync } from './domain/replica-sync';
import type { SearchIndex } from './domain/search-index';

/**
 * The search service's parts wired from a configuration: the index, the commit notifier and, on
 * replicas, the sync loop. `start` restores the snapshot and starts syncing (the warm-up: health
 * stays NOT_SERVING until it resolves); `close` stops everything.
 */
export interface SearchService {
  index: SearchIndex;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createSearchService(config: SearchConfig, log: Logger): SearchService {
  const notifier = config.SEARCH_NOTIFY ? new RedisNotifier(config.REDIS_URL, config.SEARCH_NOTIFY_CHANNEL, log) : null;
  const index = createIndex(config, log, notifier);
  const sync = config.SEARCH_ROLE === 'replica' ? new ReplicaSync(index, config.SEARCH_SYNC_INTERVAL_MS, log, notifier) : null;
  return {
    index,
    async start() {
      await index.restore();
      sync?.start();
    },
    async close() {
      sync?.stop();
      await notifier?.close();
      index.close();
    },
  };
}
