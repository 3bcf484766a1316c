import type { Logger } from '@tit/kit';
import type { SearchConfig } from './config';
import { SearchIndex, type GenerationNotifier } from './domain/search-index';
import { SnapshotStore } from './domain/snapshot-store';

/** The SearchIndex a configuration describes (used by main and by tests that start real servers). */
export function createIndex(config: SearchConfig, log: Logger, notifier: GenerationNotifier | null): SearchIndex {
  return new SearchIndex({
    role: config.SEARCH_ROLE,
    buildLimits: {
      maxVectors: config.SEARCH_MAX_VECTORS,
      maxCaptionChars: config.SEARCH_MAX_CAPTION_CHARS,
      maxIdChars: config.SEARCH_MAX_ID_CHARS,
    },
    queryLimits: {
      maxK: config.SEARCH_MAX_K,
      maxTextChars: config.SEARCH_MAX_TEXT_CHARS,
      maxExclusions: config.SEARCH_MAX_EXCLUSIONS,
    },
    ranking: {
      bm25: { k1: config.SEARCH_BM25_K1, b: config.SEARCH_BM25_B },
      hybridDenseWeight: config.SEARCH_HYBRID_DENSE_WEIGHT,
      annCandidates: config.SEARCH_ANN_CANDIDATES,
    },
    ann: {
      threshold: config.SEARCH_ANN_THRESHOLD,
      connectivity: config.SEARCH_ANN_CONNECTIVITY,
      expansionAdd: config.SEARCH_ANN_EXPANSION_ADD,
      expansionSearch: config.SEARCH_ANN_EXPANSION_SEARCH,
      quantization: config.SEARCH_ANN_QUANTIZATION,
      threads: config.SEARCH_ANN_THREADS,
      dir: config.SEARCH_ANN_DIR,
    },
    snapshots: new SnapshotStore(config.SEARCH_SNAPSHOT_DIR),
    snapshotKeep: config.SEARCH_SNAPSHOT_KEEP,
    maxBuilding: config.SEARCH_MAX_BUILDING,
    buildIdleTtlMs: config.SEARCH_BUILD_IDLE_TTL_MS,
    log,
    notifier,
  });
}
