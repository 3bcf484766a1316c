/**
 * The indexer as a real process (src/main.ts under tsx) against fake gRPC collaborators and real
 * Redis: first start enqueues the default dataset, a SIGKILLed worker's job is resumed by the
 * next process without duplicates, and SIGTERM exits cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { REPO_ROOT, checkHealth, listActiveReindexJobs, openReindexQueue, getReindexJob } from '@tit/kit';
import { FakeCaptioner, FakeEmbedder, FakeSearch, makeKaggleDataset } from './fakes';
import { REDIS_URL } from './harness';

jest.setTimeout(60000);
/** INDEXER_TEST_DEBUG=1 echoes the processes' log lines. */
const DEBUG = process.env.INDEXER_TEST_DEBUG === '1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  child: ChildProcess;
  lines: string[];
  port: Promise<number>;
  exited: Promise<number | null>;
}

function startIndexer(env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'services/indexer/src/main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let onPort: (p: number) => void = () => undefined;
  let onExit: (e: Error) => void = () => undefined;
  const port = new Promise<number>((resolve, reject) => {
    onPort = resolve;
    onExit = reject;
  });
  const read = (chunk: Buffer) => {
    for (const l of chunk.toString().split('\n').filter(Boolean)) {
      lines.push(l);
      if (DEBUG) console.log(l);
      if (l.includes('"msg":"listening"')) onPort((JSON.parse(l) as { port: number }).port);
    }
  };
  child.stdout?.on('data', read);
  child.stderr?.on('data', read);
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      onExit(new Error(`indexer exited (${code}) before listening:\n${lines.slice(-10).join('\n')}`));
      r(code);
    }),
  );
  return { child, lines, port, exited };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('indexer process', () => {
  const procs: Proc[] = [];
  let embedder: FakeEmbedder, search: FakeSearch, captioner: FakeCaptioner;
  const queueName = `test-reindex-proc-${randomBytes(6).toString('hex')}`;
  const queue = openReindexQueue(REDIS_URL, { name: queueName });

  beforeAll(async () => {
    [embedder, search, captioner] = await Promise.all([new FakeEmbedder().start(), new FakeSearch().start(), new FakeCaptioner().start()]);
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await Promise.all([embedder.stop(), search.stop(), captioner.stop()]);
  });

  it('indexes DATASET_DIR on first start, survives SIGKILL mid-job without duplicates, and stops on SIGTERM', async () => {
    const { dir } = makeKaggleDataset(12); // 60 captions: chunks of 16
    const env = {
      REDIS_URL,
      INDEXER_QUEUE: queueName,
      INDEXER_PORT: '0',
      GRPC_HOST: '127.0.0.1',
      EMBEDDER_ADDR: embedder.address,
      SEARCH_ADDR: search.address,
      CAPTIONER_ADDR: captioner.address,
      DATASET_DIR: dir,
      INDEXER_INDEX_ON_START: 'true',
      INDEXER_CHUNK_SIZE: '16',
      INDEXER_EMBED_BATCH: '8',
      INDEXER_LOCK_MS: '1000',
      INDEXER_STALLED_INTERVAL_MS: '300',
      INDEXER_HEALTH_POLL_MS: '50',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '5000',
    };
    const first = startIndexer(env);
    procs.push(first);
    let killedAfter = 0;
    search.afterUpsert = async (n) => {
      if (n !== 2) return;
      // Chunk 2 is stored, then the worker dies before it hears back or records progress.
      first.child.kill('SIGKILL');
      killedAfter = n;
      await first.exited;
    };
    const port = await first.port;
    await until('first indexer SERVING', async () => (await checkHealth(`127.0.0.1:${port}`)) === 'SERVING');
    await until('the SIGKILL', () => killedAfter === 2);
    expect(await first.exited).toBeNull(); // killed by a signal
    expect(search.events.filter((e) => e.startsWith('commit'))).toEqual([]);
    const [job] = await listActiveReindexJobs(queue);
    expect(job.data).toMatchObject({ dataset: dir, requestedBy: 'first-start' });
    expect(job.progress).toMatchObject({ done: 16, total: 60 });

    search.afterUpsert = undefined;
    const second = startIndexer(env);
    procs.push(second);
    const port2 = await second.port;
    await until('the resumed job', async () => (await getReindexJob(queue, job.jobId))?.state === 'completed', 30000);
    const done = await getReindexJob(queue, job.jobId);
    expect(done?.result).toMatchObject({ captions: 60, images: 12, skipped: 0 });
    const gen = search.serving();
    expect(gen?.buildKey).toBe(job.jobId);
    expect(gen?.items.size).toBe(60);
    expect(search.received).toBe(32 + 44); // chunks 1-2 by the first process, 2-4 by the second
    expect(search.events.filter((e) => e.startsWith('commit'))).toHaveLength(1);
    // The second start found the job already queued for this dataset instead of adding another.
    expect(second.lines.some((l) => l.includes('"existing":true'))).toBe(true);

    expect(await checkHealth(`127.0.0.1:${port2}`)).toBe('SERVING');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
