import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  enqueueReindex,
  getReindexJob,
  openReindexQueue,
  type DatasetFormat,
  type ReindexJobData,
  type ReindexJobView,
} from '@tit/kit';
import { loadIndexCliConfig } from './config';
import { ProgressLine, formatDuration, type ProgressOutput } from './progress-bar';

export const USAGE = `Usage: pnpm index [--dataset DIR] [--split NAME] [--format FORMAT] [--model ID] [--detach]

Enqueues a re-index of DIR (default: DATASET_DIR, the bundled sample) and follows it with a
progress bar until it ends, then prints counts and the time taken. A re-index of the same dataset
and model that is already queued or running is followed instead of starting another.

  --dataset DIR    dataset folder, as the indexer worker sees it
  --split NAME     index only this split (train, dev, test; needs split files in DIR)
  --format FORMAT  auto (default), flickr8k-kaggle, flickr8k-token, coco, images
  --model ID       embedder model id (default: the embedder's default model)
  --detach         enqueue, print the job id and exit
  --poll-ms N      how often progress is read (default 250)

Environment: REDIS_URL, QUEUE_PREFIX, INDEXER_QUEUE, DATASET_DIR.`;

const FORMATS: ReadonlyArray<'auto' | DatasetFormat> = ['auto', 'flickr8k-kaggle', 'flickr8k-token', 'coco', 'images'];

export interface CliIO {
  out: ProgressOutput;
  err: ProgressOutput;
  env: NodeJS.ProcessEnv;
  /** Stops following (Ctrl-C); the job itself keeps running. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `pnpm index`; resolves to the exit code (0 completed, 1 failed, 2 usage). */
export async function runIndexCli(argv: string[], io: CliIO): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        dataset: { type: 'string' },
        split: { type: 'string' },
        format: { type: 'string' },
        model: { type: 'string' },
        detach: { type: 'boolean' },
        'poll-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.err.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.out.write(`${USAGE}\n`);
    return 0;
  }
  const format = (args.format ?? 'auto') as 'auto' | DatasetFormat;
  if (!FORMATS.includes(format)) {
    io.err.write(`--format must be one of ${FORMATS.join(', ')}\n`);
    return 2;
  }
  const pollMs = Number(args['poll-ms'] ?? 250);
  if (!Number.isFinite(pollMs) || pollMs < 10) {
    io.err.write('--poll-ms must be a number >= 10\n');
    return 2;
  }
  const cfg = loadIndexCliConfig(io.env);
  const dataset = path.resolve(cfg.INIT_CWD ?? process.cwd(), args.dataset ?? cfg.DATASET_DIR);
  if (!existsSync(dataset)) {
    io.err.write(`note: ${dataset} does not exist here; the indexer worker resolves it on its own file system\n`);
  }
  const data: ReindexJobData = {
    dataset,
    ...(format !== 'auto' ? { format } : {}),
    ...(args.split ? { split: args.split } : {}),
    ...(args.model ? { model: args.model } : {}),
    requestedBy: 'cli',
  };
  const queue = openReindexQueue(cfg.REDIS_URL, { name: cfg.INDEXER_QUEUE, ...(cfg.QUEUE_PREFIX ? { prefix: cfg.QUEUE_PREFIX } : {}) });
  try {
    const { jobId, existing } = await enqueueReindex(queue, data);
    io.out.write(
      existing
        ? `A re-index of ${dataset} is already queued or running: following job ${jobId}\n`
        : `Enqueued re-index job ${jobId} for ${dataset}${args.split ? ` (split ${args.split})` : ''}\n`,
    );
    if (args.detach) return 0;
    const view = await follow(jobId, (id) => getReindexJob(queue, id), io, pollMs);
    return report(view, io);
  } catch (err) {
    io.err.write(`pnpm index: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await queue.close().catch(() => undefined);
  }
}

/** Polls a job until it completes or fails, drawing its progress. */
export async function follow(
  jobId: string,
  get: (id: string) => Promise<ReindexJobView | undefined>,
  io: CliIO,
  pollMs: number,
): Promise<ReindexJobView | undefined> {
  const bar = new ProgressLine(io.err);
  const started = Date.now();
  let waitingNoted = false;
  try {
    for (;;) {
      const view = await get(jobId);
      if (!view || view.state === 'completed' || view.state === 'failed') return view;
      if (io.signal?.aborted) {
        bar.finish();
        io.err.write(`stopped following; job ${jobId} keeps running (pnpm index shows the same job when run again)\n`);
        return view;
      }
      const p = view.progress;
      if (view.state === 'waiting' || view.state === 'delayed' || view.state === 'prioritized') {
        const retry = view.state === 'delayed' && (view.attemptsMade ?? 0) > 0 ? ` (retrying after: ${view.error ?? 'a failure'})` : '';
        bar.update(view.state, p.done, p.total, retry);
        if (!waitingNoted && Date.now() - started > 5000 && view.state === 'waiting') {
          bar.finish();
          io.err.write('still waiting for a worker: is the indexer running (pnpm start)?\n');
          waitingNoted = true;
        }
      } else {
        const skipped = p.skipped > 0 ? `, ${p.skipped} skipped` : '';
        bar.update(p.phase, p.done, p.total, `${p.done}/${p.total || '?'} captions${skipped}`);
      }
      await sleep(pollMs);
    }
  } finally {
    bar.finish();
  }
}

function report(view: ReindexJobView | undefined, io: CliIO): number {
  if (!view) {
    io.err.write('the job disappeared from the queue (removed, or Redis was flushed)\n');
    return 1;
  }
  if (view.state === 'failed') {
    io.err.write(`re-index failed after ${view.attemptsMade ?? 0} attempt(s): ${view.error ?? 'unknown reason'}\n`);
    return 1;
  }
  if (view.state !== 'completed' || !view.result) return 130;
  const r = view.result;
  const lines = [
    `Indexed ${r.captions} captions of ${r.images} images into generation ${r.generationId} in ${formatDuration(r.ms)}` +
      (r.format ? ` (${r.format})` : ''),
  ];
  if (r.generated > 0) lines.push(`${r.generated} captions were written by the captioner`);
  if (r.skipped > 0) {
    lines.push(
      `Skipped ${r.skipped} captions: ${r.skippedMissingImage ?? 0} with a missing image file, ${r.skippedMalformed ?? 0} unreadable rows`,
    );
  }
  for (const w of r.warnings ?? []) lines.push(`  - ${w}`);
  io.out.write(`${lines.join('\n')}\n`);
  return 0;
}
