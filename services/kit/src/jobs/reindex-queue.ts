/**
 * The re-index job contract shared by its producers (gateway, `pnpm index`, the indexer's first
 * start) and its consumer (the indexer worker). One module so the queue name, payload, progress
 * shape and de-duplication rule cannot drift apart.
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Queue, type ConnectionOptions, type Job, type JobType } from 'bullmq';

export const REINDEX_QUEUE = 'reindex';

/** Dataset layouts the indexer reads. */
export type DatasetFormat = 'flickr8k-kaggle' | 'flickr8k-token' | 'coco' | 'images';

/** What to index. */
export interface ReindexJobData {
  /** Absolute path of the dataset folder. */
  dataset: string;
  /** Reader to use; 'auto' (or absent) picks by the files present. */
  format?: 'auto' | DatasetFormat;
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
  /** Captions embedded and stored in the building generation. */
  done: number;
  /** Captions the job will index (known after the dataset was read; 0 before). */
  total: number;
  /** Captions left out: image file missing, or an unreadable row. */
  skipped: number;
  phase: 'reading' | 'captioning' | 'embedding' | 'committing' | 'done';
  /**
   * The building generation `done` refers to. A resumed job continues from `done` only when the
   * search service hands back this same generation for the job's build key.
   */
  generationId?: string;
  /**
   * Digest of the dataset content the checkpoint refers to (item ids, captions, paths, in order):
   * a resumed job skips stored chunks only when the dataset is unchanged since they were stored.
   */
  datasetDigest?: string;
}

/** What a finished job returns. */
export interface ReindexResult {
  generationId: string;
  /** Captions in the committed generation. */
  captions: number;
  /** Distinct images in the committed generation. */
  images: number;
  /** Captions left out (sum of the two reasons below). */
  skipped: number;
  /** Captions written by the captioner (caption-less image folders). */
  generated: number;
  /** Wall time of the job's last attempt, milliseconds. */
  ms: number;
  /** Captions skipped because their image file is missing. */
  skippedMissingImage?: number;
  /** Rows that could not be read (broken CSV row, malformed token key, empty caption). */
  skippedMalformed?: number;
  /** The reader that was used. */
  format?: DatasetFormat;
  /** A few human-readable notes on what was skipped (first rows, first missing files). */
  warnings?: string[];
}

/** A job as the API shows it. */
export interface ReindexJobView {
  jobId: string;
  state: string;
  data: ReindexJobData;
  progress: ReindexProgress;
  result?: ReindexResult;
  error?: string;
  /** Attempts made so far (transient failures are retried with exponential backoff). */
  attemptsMade?: number;
}

/**
 * The de-duplication key of a re-index: one job per dataset and model at a time. The split is not
 * part of it on purpose: two splits of one dataset would build two generations racing to commit.
 */
export function reindexKey(data: Pick<ReindexJobData, 'dataset' | 'model' | 'split'>): string {
  return createHash('sha256')
    .update(`${path.resolve(data.dataset)}\0${data.model ?? ''}`)
    .digest('hex')
    .slice(0, 16);
}

const EMPTY_PROGRESS: ReindexProgress = { done: 0, total: 0, skipped: 0, phase: 'reading' };

/** Reads a job's progress, tolerating jobs that have not reported any yet. */
export function progressOf(job: Pick<Job, 'progress'>): ReindexProgress {
  const p = job.progress;
  return typeof p === 'object' && p !== null ? { ...EMPTY_PROGRESS, ...(p as Partial<ReindexProgress>) } : EMPTY_PROGRESS;
}

export function toJobView(job: Job<ReindexJobData, ReindexResult>, state: string): ReindexJobView {
  return {
    jobId: job.id ?? '',
    state,
    data: job.data,
    progress: progressOf(job),
    attemptsMade: job.attemptsMade,
    ...(job.returnvalue ? { result: job.returnvalue } : {}),
    ...(job.failedReason ? { error: job.failedReason } : {}),
  };
}

/** Retry policy of every re-index job: transient failures back off 2 s, 4 s, 8 s, 16 s. */
export const REINDEX_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 100 },
  removeOnFail: { age: 7 * 24 * 3600, count: 100 },
} as const;

/**
 * Enqueues a re-index unless one for the same dataset and model is waiting, delayed or running,
 * in which case that job's id is returned with `existing: true`.
 *
 * Atomic across producers and replicas: BullMQ's de-duplication sets the key `SET NX` inside the
 * add script and clears it when the job completes or finally fails, so two concurrent requests
 * can never both create a job.
 */
export async function enqueueReindex(
  queue: Queue<ReindexJobData, ReindexResult>,
  data: ReindexJobData,
): Promise<{ jobId: string; existing: boolean }> {
  const normalized: ReindexJobData = { ...data, dataset: path.resolve(data.dataset) };
  const key = reindexKey(normalized);
  // Readable, unique, and prefixed by the key so logs group attempts of one dataset together.
  const proposed = `${key}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const job = await queue.add('reindex', normalized, {
    ...REINDEX_JOB_OPTIONS,
    jobId: proposed,
    deduplication: { id: key },
  });
  const jobId = job.id ?? proposed;
  return { jobId, existing: jobId !== proposed };
}

/** Looks a job up; undefined when unknown or expired. */
export async function getReindexJob(
  queue: Queue<ReindexJobData, ReindexResult>,
  jobId: string,
): Promise<ReindexJobView | undefined> {
  // State first: a job that finishes between the two reads then shows an older state with its
  // final data, never "completed" without its result.
  const state = await queue.getJobState(jobId);
  const job = await queue.getJob(jobId);
  if (!job || state === 'unknown') return undefined;
  return toJobView(job, state);
}

/** Jobs that have not finished yet, oldest first (for readiness pages and the first-start check). */
export async function listActiveReindexJobs(queue: Queue<ReindexJobData, ReindexResult>): Promise<ReindexJobView[]> {
  const states: JobType[] = ['active', 'waiting', 'delayed', 'prioritized'];
  const jobs = await queue.getJobs(states, 0, 100, true);
  const views = await Promise.all(jobs.map(async (j) => toJobView(j, await j.getState())));
  return views;
}

/**
 * Opens the re-index queue on `redisUrl` for a producer. Producers fail fast (a request should get
 * an error rather than hang while Redis is down); workers build their own connection with
 * `maxRetriesPerRequest: null`.
 */
export function openReindexQueue(
  redisUrl: string,
  opts: { name?: string; prefix?: string; connection?: Omit<ConnectionOptions, 'url'> } = {},
): Queue<ReindexJobData, ReindexResult> {
  return new Queue<ReindexJobData, ReindexResult>(opts.name ?? REINDEX_QUEUE, {
    connection: { url: redisUrl, maxRetriesPerRequest: 1, ...(opts.connection ?? {}) } as ConnectionOptions,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
  });
}
