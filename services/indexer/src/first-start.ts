import { enqueueReindex, type Logger, type ReindexJobData, type ReindexResult } from '@tit/kit';
import type { Queue } from 'bullmq';
import type { GenerationView } from './domain/ports';
import { waitFor } from './domain/retry';
import type { HealthPort } from './domain/ports';

export interface FirstStartDeps {
  queue: Queue<ReindexJobData, ReindexResult>;
  /** The served generation, as the query side (SEARCH_ADDR) sees it. */
  serving: () => Promise<GenerationView | undefined>;
  health: HealthPort;
  dataset: string;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * First start: when the search service serves no generation, enqueue a re-index of the default
 * dataset so the system becomes searchable without further steps. Waits for search to be SERVING
 * first. Safe with several replicas: the queue de-duplicates per dataset and model, so they all
 * get the same job back.
 */
export async function indexOnFirstStart(deps: FirstStartDeps): Promise<{ jobId?: string; existing?: boolean }> {
  await waitFor('search', { health: deps.health, ...(deps.signal ? { signal: deps.signal } : {}) });
  const serving = await deps.serving();
  if (serving) {
    deps.log.info({ generationId: serving.id, captions: serving.captionCount }, 'search serves a generation; nothing to index at start');
    return {};
  }
  const { jobId, existing } = await enqueueReindex(deps.queue, { dataset: deps.dataset, requestedBy: 'first-start' });
  deps.log.info({ jobId, existing, dataset: deps.dataset }, 'no generation served yet: indexing the default dataset');
  return { jobId, existing };
}
