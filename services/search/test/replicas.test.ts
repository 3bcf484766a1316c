import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { bytesOf, call, eventually, index, randomCorpus, randomVector, rng, startSearch, tmpDir, type Running } from './helpers';

const MODEL = 'rep/model';
const DIMS = 16;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const servedBy = async (s: Running): Promise<string | undefined> => (await call.stats(s.client)).serving?.id;

describe('replicas converge on the committed generation', () => {
  const running: Running[] = [];
  const start = async (env: Record<string, string>): Promise<Running> => {
    const s = await startSearch(env);
    running.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });

  it('by notification: a replica follows commits and rollbacks within a second, long before its poll', async () => {
    if (!(await redisReachable())) {
      console.warn(`skipped: no Redis at ${REDIS_URL}`);
      return;
    }
    const dir = tmpDir();
    const shared = {
      SEARCH_SNAPSHOT_DIR: dir,
      SEARCH_NOTIFY: 'true',
      SEARCH_NOTIFY_CHANNEL: `test:search:${randomBytes(6).toString('hex')}`,
      REDIS_URL,
    };
    const writer = await start({ ...shared, SEARCH_ROLE: 'writer' });
    // Polling every 10 minutes: only the notification can make this replica converge in time.
    const replica = await start({ ...shared, SEARCH_ROLE: 'replica', SEARCH_SYNC_INTERVAL_MS: '600000' });
    // Give the subscription a moment to reach Redis.
    await new Promise((r) => setTimeout(r, 200));

    const corpus = randomCorpus(1, 60, DIMS);
    const g1 = await index(writer.client, MODEL, DIMS, corpus);
    expect(await eventually(async () => (await servedBy(replica)) === g1, 3000)).toBe(true);
    const q = { vector: bytesOf(randomVector(rng(2), DIMS)), model: MODEL, k: 8 };
    expect(await call.query(replica.client, q)).toEqual(await call.query(writer.client, q));

    const g2 = await index(writer.client, MODEL, DIMS, randomCorpus(2, 70, DIMS));
    expect(await eventually(async () => (await servedBy(replica)) === g2, 3000)).toBe(true);
    expect((await call.stats(replica.client)).previous?.id).toBe(g1);

    await call.rollback(writer.client);
    expect(await eventually(async () => (await servedBy(replica)) === g1, 3000)).toBe(true);
  });

  it('by polling when Redis is down, and a replica started later catches up by itself', async () => {
    const dir = tmpDir();
    // Notifications on, but nothing listens on port 1: start-up must not wait for Redis.
    const noRedis = { SEARCH_NOTIFY: 'true', REDIS_URL: 'redis://127.0.0.1:1' };
    const writer = await start({ SEARCH_SNAPSHOT_DIR: dir, SEARCH_ROLE: 'writer', ...noRedis });
    const replica = await start({ SEARCH_SNAPSHOT_DIR: dir, SEARCH_ROLE: 'replica', SEARCH_SYNC_INTERVAL_MS: '100', ...noRedis });
    expect(await servedBy(replica)).toBeUndefined();

    const g1 = await index(writer.client, MODEL, DIMS, randomCorpus(3, 50, DIMS));
    expect(await eventually(async () => (await servedBy(replica)) === g1, 3000)).toBe(true);

    const late = await start({ SEARCH_SNAPSHOT_DIR: dir, SEARCH_ROLE: 'replica', SEARCH_SYNC_INTERVAL_MS: '100' });
    expect(await servedBy(late)).toBe(g1); // restored during start-up, before serving

    const g2 = await index(writer.client, MODEL, DIMS, randomCorpus(4, 50, DIMS));
    expect(await eventually(async () => (await servedBy(replica)) === g2 && (await servedBy(late)) === g2, 3000)).toBe(true);
    const q = { text: 'caption image', k: 5, mode: 'MODE_LEXICAL' as const };
    const expected = await call.query(writer.client, q);
    expect(await call.query(replica.client, q)).toEqual(expected);
    expect(await call.query(late.client, q)).toEqual(expected);
  });
});
