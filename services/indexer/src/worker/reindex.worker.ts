import { UnrecoverableError, WaitingError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { progressOf, type Logger, type ReindexJobData, type ReindexResult } from '@tit/kit';
import { runReindex, type ReindexDeps } from '../domain/reindex-job';
import { JobStoppedError, isPermanent } from '../domain/retry';

export interface ReindexWorkerOptions {
  queueName: string;
  /** A connection with `maxRetriesPerRequest: null` (BullMQ workers block on Redis). */
  connection: ConnectionOptions;
  prefix?: string;
  concurrency: number;
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
  /** Start fetching jobs at once (default true). */
  autorun?: boolean;
}

/**
 * The BullMQ edge of the indexer, as handlers are for gRPC: it turns a BullMQ job into the job
 * context the domain runs, and the domain's outcomes into BullMQ control flow:
 * - bad data -> UnrecoverableError (failed now, no retries, the reason kept on the job);
 * - worker shutting down -> back to the wait list with its progress, no attempt spent;
 * - anything else -> thrown, so BullMQ retries with the job's exponential back-off.
 */
export function createReindexWorker(deps: ReindexDeps, opts: ReindexWorkerOptions): Worker<ReindexJobData, ReindexResult> {
  const log: Logger = deps.log;
  const processor = async (job: Job<ReindexJobData, ReindexResult>, token?: string, signal?: AbortSignal): Promise<ReindexResult> => {
    const jobLog = log.child({ jobId: job.id, attempt: job.attemptsMade + 1 });
    try {
      return await runReindex(
        {
          id: job.id as string,
          data: job.data,
          previous: progressOf(job),
          report: (p) => job.updateProgress({ ...p }),
          ...(signal ? { signal } : {}),
        },
        { ...deps, log: jobLog },
      );
    } catch (err) {
      if (err instanceof JobStoppedError) {
        jobLog.info('shutting down: job returned to the queue after its active chunk');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (isPermanent(err)) {
        jobLog.error({ reason: err.message }, 're-index failed: bad data, not retried');
        throw new UnrecoverableError(err.message);
      }
      jobLog.warn({ err }, 're-index attempt failed; BullMQ retries it with back-off');
      throw err;
    }
  };
  const worker = new Worker<ReindexJobData, ReindexResult>(opts.queueName, processor, {
    connection: opts.connection,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    concurrency: opts.concurrency,
    lockDuration: opts.lockDuration,
    stalledInterval: opts.stalledInterval,
    maxStalledCount: opts.maxStalledCount,
    autorun: opts.autorun ?? true,
  });
  worker.on('completed', (job, res) => log.info({ jobId: job.id, captions: res.captions, ms: res.ms }, 're-index completed'));
  worker.on('failed', (job, err) =>
    log.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, reason: err.message }, 're-index attempt failed'),
  );
  worker.on('stalled', (jobId) => log.warn({ jobId }, 're-index job stalled (its worker stopped); it will be resumed'));
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  return worker;
}

/** Stops a worker: the active chunk of each job finishes, jobs return to the queue, then it closes. */
export async function stopReindexWorker(worker: Worker): Promise<void> {
  worker.cancelAllJobs('shutting down');
  await worker.close();
}
