/**
 * The re-index job contract shared by its producers (gateway, `pnpm index`, the indexer's first
 * start) and its consumer (the indexer worker). One module so the queue name, payload and progress
 * shape cannot drift apart.
 */
import { createHash } from 'node:crypto';
import type { Job, Queue } from 'bullmq';

export const REINDEX_QUEUE = 'reindex';

/** What to index. */
export interface ReindexJobData {
  /** Absolute path of the dataset folder. */
  dataset: string;
  /** Reader to use; 'auto' picks by the files present. */
  format?: 'auto' | 'flickr8k-kaggle' | 'flickr8k-token' | 'coco' | 'images';
  /** Split to index ('train', 'dev', 'test'); all images when absent. */
  split?: string;
  /** Embedder model id; the embedder's default when absent. */
  model?: string;
  /** Who asked (gateway, cli, first-start), for logs. */
  requestedBy?: string;
  requestId?: string;
}

/** Progress published on the job while it runs. */
export interface ReindexProgress {
  done: number;
  total: number;
  skipped: number;
  phase: 'reading' | 'captioning' | 'embedding' | 'committing' | 'done';
}

/** What a finished job returns. */
export interface ReindexResult {
  generationId: string;
  captions: number;
  images: number;
  skipped: number;
  generated: number;
  ms: number;
}

/** A job as the API shows it. */
export interface ReindexJobView {
  jobId: string;
  state: string;
  data: ReindexJobData;
  progress: ReindexProgress;
  result?: ReindexResult;
  error?: string;
}

/**
 * The job id for a dataset and model: one re-index per pair at a time. A second request while one
 * waits or runs gets the running job back; after it ends a new job (new id suffix) may start.
 */
export function reindexKey(data: Pick<ReindexJobData, 'dataset' | 'model' | 'split'>): string {
  return createHash('sha256')
    .update(`${data.dataset}\0${data.model ?? ''}\0${data.split ?? ''}`)
    .digest('hex')
    .slice(0, 16);
}

const EMPTY_PROGRESS: ReindexProgress = { done: 0, total: 0, skipped: 0, phase: 'reading' };

export function toJobView(job: Job<ReindexJobData, ReindexResult>, state: string): ReindexJobView {
  const p = job.progress;
  const progress = typeof p === 'object' && p !== null ? { ...EMPTY_PROGRESS, ...(p as Partial<ReindexProgress>) } : EMPTY_PROGRESS;
  return {
    jobId: job.id ?? '',
    state,
    data: job.data,
    progress,
    ...(job.returnvalue ? { result: job.returnvalue } : {}),
    ...(job.failedReason ? { error: job.failedReason } : {}),
  };
}

/**
 * Enqueues a re-index unless one for the same dataset and model is waiting or running, in which
 * case that job is returned with `existing: true`.
 */
export async function enqueueReindex(
  queue: Queue<ReindexJobData, ReindexResult>,
  data: ReindexJobData,
): Promise<{ jobId: string; existing: boolean }> {
  const key = reindexKey(data);
  const active = await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'], 0, 1000);
  const running = active.find((j) => j.id?.startsWith(`${key}-`));
  if (running?.id) return { jobId: running.id, existing: true };
  // The id is deterministic per request slot, so two concurrent enqueues collapse into one job.
  const job = await queue.add('reindex', data, {
    jobId: `${key}-${Date.now().toString(36)}`,
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: 7 * 24 * 3600, count: 100 },
    removeOnFail: { age: 7 * 24 * 3600, count: 100 },
  });
  return { jobId: job.id ?? '', existing: false };
}

/** Looks a job up; undefined when unknown or expired. */
export async function getReindexJob(
  queue: Queue<ReindexJobData, ReindexResult>,
  jobId: string,
): Promise<ReindexJobView | undefined> {
  const job = await queue.getJob(jobId);
  if (!job) return undefined;
  return toJobView(job, await job.getState());
}
