/**
 * The re-index job queue as the gateway uses it: enqueue, look a job up, find the running one.
 * The job contract (queue name, payload, progress) is the kit's `jobs/reindex-queue.ts`. Redis calls
 * are bounded by a timeout and the connection does not queue commands while Redis is down, so a
 * missing Redis makes index endpoints answer 503 quickly instead of hanging.
 */
import type { Queue } from 'bullmq';
import {
  enqueueReindex,
  getReindexJob,
  listActiveReindexJobs,
  openReindexQueue,
  type ReindexJobData,
  type ReindexJobView,
  type ReindexResult,
} from '@tit/kit';
import { ApiError } from '../errors/api-error';
import { RETRY_AFTER_S } from '../errors/grpc-status';

export type ReindexQueue = Queue<ReindexJobData, ReindexResult>;

/** What the routes need from the job queue. */
export interface Reindexer {
  enqueue(data: ReindexJobData): Promise<{ jobId: string; existing: boolean }>;
  get(jobId: string): Promise<ReindexJobView | undefined>;
  /** The job that runs (or waits) now, if any. */
  active(): Promise<ReindexJobView | undefined>;
  close(): Promise<void>;
}

const unavailable = (cause: unknown): ApiError =>
  new ApiError('unavailable', 'the job queue is unavailable; retry later', {
    retryAfterS: RETRY_AFTER_S.unavailable,
    cause,
  });

async function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis call took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } catch (err) {
    throw unavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

/** A Reindexer over an existing BullMQ queue (tests pass one with their own prefix). */
export function queueReindexer(queue: ReindexQueue, opts: { timeoutMs: number; onClose?: () => Promise<void> }): Reindexer {
  const { timeoutMs } = opts;
  return {
    enqueue: (data) => bounded(enqueueReindex(queue, data), timeoutMs),
    get: (jobId) => bounded(getReindexJob(queue, jobId), timeoutMs),
    async active() {
      const jobs = await bounded(listActiveReindexJobs(queue), timeoutMs);
      return jobs.find((j) => j.state === 'active') ?? jobs[0];
    },
    async close() {
      await queue.close();
      await opts.onClose?.();
    },
  };
}

/** The production Reindexer: the kit's producer queue on REDIS_URL. */
export function createReindexer(redisUrl: string, opts: { timeoutMs: number; prefix?: string }): Reindexer {
  // No offline queue: while Redis is down, calls fail at once (503) instead of waiting for it.
  const queue = openReindexQueue(redisUrl, { prefix: opts.prefix, connection: { enableOfflineQueue: false } });
  // Without a listener every reconnect failure is an unhandled 'error'; readiness and 503s report it.
  queue.on('error', () => undefined);
  return queueReindexer(queue, { timeoutMs: opts.timeoutMs });
}
