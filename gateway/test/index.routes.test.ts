/**
 * Re-index endpoints and readiness, with a real BullMQ queue on the local Redis (unique prefix per
 * harness) and the fake search service's generation state.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import net from 'node:net';
import IORedis from 'ioredis';
import type { ReindexJobData, ReindexProgress } from '@tit/kit';
import { createReindexer } from '../src/downstream/reindex';
import { safeEqual } from '../src/plugins/admin-auth';
import { REDIS_URL, startHarness, type Harness } from './support/harness';

const KEY = 'correct horse battery staple';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ queue: true, env: { ADMIN_API_KEY: KEY } });
});
afterAll(async () => h.close());
beforeEach(async () => {
  h.fakes.reset();
  await h.queue!.obliterate({ force: true });
});

const post = (payload?: unknown, headers: Record<string, string> = { 'x-api-key': KEY }) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/index',
    ...(payload === undefined ? {} : { payload: payload as object }),
    headers,
  });

describe('POST /v1/index', () => {
  test('needs the admin key: missing or wrong is 401, x-api-key or Bearer is accepted', async () => {
    const attempts: Record<string, string>[] = [{}, { 'x-api-key': 'wrong' }, { authorization: `Basic ${KEY}` }, { 'x-api-key': `${KEY} ` }];
    for (const headers of attempts) {
      const res = await post(undefined, headers);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expect(await h.queue!.count()).toBe(0);
    expect((await post(undefined, { authorization: `Bearer ${KEY}` })).statusCode).toBe(202);
  });

  test('the key is checked before the body', async () => {
    const res = await post({ dataset: '/etc' }, {});
    expect(res.statusCode).toBe(401);
  });

  test('enqueues the configured dataset; a second request returns the same job', async () => {
    const first = await post();
    expect(first.statusCode).toBe(202);
    const { jobId, existing, statusUrl } = first.json();
    expect(existing).toBe(false);
    expect(statusUrl).toBe(`/v1/index/jobs/${jobId}`);
    const job = await h.queue!.getJob(jobId);
    expect(job!.data).toMatchObject({ dataset: h.dataset.dir, requestedBy: 'gateway' });
    expect(job!.data.requestId).toBe(first.headers['x-request-id']);
    const second = await post({}, { 'x-api-key': KEY, 'content-type': 'application/json' });
    expect(second.json()).toMatchObject({ jobId, existing: true });
  });

  test('an empty JSON body is the configured dataset too', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/index', headers: { 'x-api-key': KEY, 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(202);
  });

  test('a dataset inside DATASETS_ROOT (absolute or relative) is accepted with split, model and format', async () => {
    const res = await post({ dataset: 'other', split: 'test', model: 'sentence-transformers/all-MiniLM-L6-v2', format: 'images' });
    expect(res.statusCode).toBe(202);
    const job = await h.queue!.getJob(res.json().jobId);
    expect(job!.data).toMatchObject({ dataset: h.dataset.other, split: 'test', format: 'images', model: 'sentence-transformers/all-MiniLM-L6-v2' });
    // Same dataset (named by its absolute path) and model: the running job is returned.
    const again = await post({ dataset: h.dataset.other, model: 'sentence-transformers/all-MiniLM-L6-v2' });
    expect(again.json()).toMatchObject({ jobId: res.json().jobId, existing: true });
  });

  test.each([
    ['outside every root', () => ({ dataset: '/etc' })],
    ['escaping with ..', () => ({ dataset: '../outside' })],
    ['missing folder', () => ({ dataset: 'nope' })],
    ['a file', () => ({ dataset: 'flickr-mini/Images/red_1.jpg' })],
    ['empty', () => ({ dataset: '' })],
    ['unknown field', () => ({ datasett: 'other' })],
    ['bad split', () => ({ split: '../x' })],
    ['bad format', () => ({ format: 'csv' })],
    ['bad model', () => ({ model: 'a b' })],
    ['not an object', () => ['other']],
  ])('400 for %s', async (_name, body) => {
    const res = await post(body());
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid_request');
    expect(await h.queue!.count()).toBe(0);
  });

  test('415 for a non-JSON body', async () => {
    const res = await post(undefined, { 'x-api-key': KEY, 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(400 + 15);
  });
});

describe('GET /v1/index/jobs/:jobId', () => {
  test('shows state and progress; unknown is 404; malformed id is 400', async () => {
    const { jobId } = (await post()).json();
    const res = await h.app.inject({ method: 'GET', url: `/v1/index/jobs/${jobId}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ jobId, state: 'waiting', progress: { done: 0, total: 0, skipped: 0, phase: 'reading' } });
    const job = await h.queue!.getJob(jobId);
    await job!.updateProgress({ done: 120, total: 400, skipped: 3, phase: 'embedding' } satisfies ReindexProgress);
    const later = await h.app.inject({ method: 'GET', url: `/v1/index/jobs/${jobId}` });
    expect(later.json().progress).toEqual({ done: 120, total: 400, skipped: 3, phase: 'embedding' });
    expect((await h.app.inject({ method: 'GET', url: '/v1/index/jobs/nope-123' })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/v1/index/jobs/a%20b' })).statusCode).toBe(400);
  });

  test('a failed job shows its error', async () => {
    const { jobId } = (await post()).json();
    const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    const worker = new Worker<ReindexJobData>(
      h.queue!.name,
      async () => {
        throw new UnrecoverableError('dataset has no captions file');
      },
      { connection, prefix: h.queue!.opts.prefix },
    );
    try {
      await new Promise<void>((resolve) => worker.on('failed', () => resolve()));
      const res = await h.app.inject({ method: 'GET', url: `/v1/index/jobs/${jobId}` });
      expect(res.json()).toMatchObject({ jobId, state: 'failed', error: 'dataset has no captions file' });
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });
});

describe('GET /v1/index', () => {
  test('the served generation and the running job', async () => {
    const idle = await h.app.inject({ method: 'GET', url: '/v1/index' });
    expect(idle.statusCode).toBe(200);
    expect(idle.json()).toEqual({
      generation: {
        id: 'gen-0001',
        state: 'serving',
        model: 'fake/minilm',
        dimensions: 64,
        captionCount: h.dataset.images.reduce((n, i) => n + i.captions.length, 0),
        imageCount: h.dataset.images.length,
        dataset: h.dataset.dir,
        createdAt: '2024-01-01T00:00:00.000Z',
        committedAt: '2024-01-01T00:05:00.000Z',
      },
      previous: null,
      building: [],
      approximate: false,
      job: null,
    });
    const { jobId } = (await post()).json();
    const busy = await h.app.inject({ method: 'GET', url: '/v1/index' });
    expect(busy.json().job).toMatchObject({ jobId, state: 'waiting' });
  });
});

describe('readiness', () => {
  test('/healthz is always 200', async () => {
    h.fakes.health.search.set('NOT_SERVING');
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  test('/readyz is 200 when every service serves and a generation is committed', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ready',
      services: { captioner: 'SERVING', embedder: 'SERVING', search: 'SERVING' },
      generation: { id: 'gen-0001', model: 'fake/minilm', imageCount: h.dataset.images.length },
    });
  });

  test('/readyz is 503 naming a service that is not serving', async () => {
    h.fakes.health.embedder.set('NOT_SERVING');
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'not_ready', notReady: ['embedder is NOT_SERVING'], indexing: null });
    expect(res.json().detail).toContain('embedder');
  });

  test('/readyz is 503 with indexing progress while the first generation is built', async () => {
    h.fakes.served = false;
    const none = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(none.statusCode).toBe(503);
    expect(none.json()).toMatchObject({ notReady: ['no generation is committed'], indexing: null });
    const { jobId } = (await post()).json();
    await (await h.queue!.getJob(jobId))!.updateProgress({ done: 50, total: 200, skipped: 0, phase: 'embedding' });
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().indexing).toMatchObject({ jobId, progress: { done: 50, total: 200 } });
    expect(res.json().detail).toContain('50/200');
  });

  test('/readyz reports an unreachable service', async () => {
    const other = await startHarness({ shared: { fakes: h.fakes, dataset: h.dataset }, env: { CAPTIONER_ADDR: '127.0.0.1:1' } });
    try {
      const res = await other.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().services.captioner).toBe('UNREACHABLE');
    } finally {
      await other.close();
    }
  });
});

describe('without a queue or Redis', () => {
  test('index mutations are 503 and GET /v1/index still answers', async () => {
    const other = await startHarness({ shared: { fakes: h.fakes, dataset: h.dataset } });
    try {
      const res = await other.app.inject({ method: 'POST', url: '/v1/index' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect((await other.app.inject({ method: 'GET', url: '/v1/index' })).json().job).toBeNull();
    } finally {
      await other.close();
    }
  });

  test('a Redis that does not answer gives 503 within the timeout, not a hang', async () => {
    // A TCP peer that accepts and never answers: the worst case (a refused port fails sooner).
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    const r = createReindexer(`redis://127.0.0.1:${port}`, { timeoutMs: 500 });
    try {
      const t0 = Date.now();
      await expect(r.enqueue({ dataset: h.dataset.dir })).rejects.toMatchObject({ code: 'unavailable', statusCode: 503 });
      await expect(r.get('x-1')).rejects.toMatchObject({ code: 'unavailable' });
      expect(Date.now() - t0).toBeLessThan(1500);
    } finally {
      await r.close();
      for (const s of sockets) s.destroy();
      await new Promise((res) => silent.close(res));
    }
  });

  test('no admin key configured: index mutations are open', async () => {
    const other = await startHarness({ shared: { fakes: h.fakes, dataset: h.dataset }, queue: true });
    try {
      expect((await other.app.inject({ method: 'POST', url: '/v1/index' })).statusCode).toBe(202);
    } finally {
      await other.close();
    }
  });
});

test('safeEqual compares secrets of any length', () => {
  expect(safeEqual('abc', 'abc')).toBe(true);
  expect(safeEqual('abc', 'abd')).toBe(false);
  expect(safeEqual('abc', 'abcd')).toBe(false);
  expect(safeEqual('', '')).toBe(true);
});
