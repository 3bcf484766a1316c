/** Shared set-up of worker tests: fakes, a unique queue on real Redis, a worker wired to the fakes. */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Worker } from 'bullmq';
import { createLogger, getReindexJob, openReindexQueue, type ReindexJobView, type ReindexProgress } from '@tit/kit';
import { GrpcCaptioner } from '../src/clients/captioner.client';
import { GrpcEmbedder } from '../src/clients/embedder.client';
import { HealthWaiter } from '../src/clients/health-waiter';
import { GrpcSearchWriter } from '../src/clients/search-writer.client';
import type { ReindexSettings } from '../src/domain/reindex-job';
import { createReindexWorker } from '../src/worker/reindex.worker';
import { FakeCaptioner, FakeEmbedder, FakeSearch } from './fakes';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Harness {
  embedder: FakeEmbedder;
  search: FakeSearch;
  captioner: FakeCaptioner;
  queueName: string;
  queue: ReturnType<typeof openReindexQueue>;
  logs: string[];
  startWorker(settings?: Partial<ReindexSettings>, deadlines?: { upsertMs?: number }): Worker;
  waitFor(jobId: string, states: string[], timeoutMs?: number): Promise<ReindexJobView>;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const [embedder, search, captioner] = await Promise.all([new FakeEmbedder().start(), new FakeSearch().start(), new FakeCaptioner().start()]);
  const queueName = `test-reindex-${randomBytes(6).toString('hex')}`;
  const queue = openReindexQueue(REDIS_URL, { name: queueName });
  const logs: string[] = [];
  const log = createLogger(
    'indexer-test',
    'debug',
    new Writable({
      write(chunk: Buffer, _e, cb) {
        logs.push(...chunk.toString().trim().split('\n'));
        cb();
      },
    }),
  );
  const workers: Worker[] = [];
  const closers: Array<{ close(): void }> = [];
  return {
    embedder,
    search,
    captioner,
    queueName,
    queue,
    logs,
    startWorker(settings = {}, deadlines = {}) {
      const clients = {
        embedder: new GrpcEmbedder(embedder.address, { embedMs: 5000, infoMs: 5000 }),
        index: new GrpcSearchWriter(search.address, { controlMs: 5000, upsertMs: deadlines.upsertMs ?? 5000, commitMs: 5000 }),
        captioner: new GrpcCaptioner(captioner.address, 5000),
        health: new HealthWaiter({ embedder: embedder.address, search: search.address, captioner: captioner.address }, log, 50),
      };
      closers.push(...Object.values(clients));
      const worker = createReindexWorker(
        {
          ...clients,
          log,
          settings: { chunkSize: 16, captionChunkSize: 2, embedBatch: 8, captionConcurrency: 2, retry: { attempts: 4, baseMs: 10, maxMs: 40 }, ...settings },
        },
        {
          queueName,
          connection: { url: REDIS_URL, maxRetriesPerRequest: null },
          concurrency: 1,
          lockDuration: 1000,
          stalledInterval: 300,
          maxStalledCount: 5,
        },
      );
      workers.push(worker);
      return worker;
    },
    async waitFor(jobId, states, timeoutMs = 15000) {
      const until = Date.now() + timeoutMs;
      let last: ReindexJobView | undefined;
      while (Date.now() < until) {
        last = await getReindexJob(queue, jobId);
        if (last && states.includes(last.state)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`job ${jobId} did not reach ${states.join('/')} in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    },
    async close() {
      await Promise.all(workers.map((w) => w.close(true)));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      for (const c of closers) c.close();
      await Promise.all([embedder.stop(), search.stop(), captioner.stop()]);
    },
  };
}

/** Collects the progress a worker publishes. */
export function recordProgress(worker: Worker): ReindexProgress[] {
  const seen: ReindexProgress[] = [];
  worker.on('progress', (_job, p) => seen.push(p as ReindexProgress));
  return seen;
}
