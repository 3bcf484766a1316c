/**
 * GET /v1/images/:imageId — originals, thumbnails (size limits, caching, ETag) and path safety:
 * ids outside `^[\w.-]{1,200}$` are 400; records whose path leaves the dataset root are 404.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());
beforeEach(() => h.fakes.reset());

const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });

test('serves the original file with its content type', async () => {
  const res = await get('/v1/images/red_1');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('image/jpeg');
  expect(res.rawPayload.equals(await fs.readFile(path.join(h.dataset.dir, 'Images/red_1.jpg')))).toBe(true);
  expect(res.headers.etag).toBeDefined();
  const png = await get('/v1/images/green_1');
  expect(png.headers['content-type']).toBe('image/png');
});

test('?size=N is a JPEG whose longest side is N, and it is cached', async () => {
  const before = { ...h.thumbnails.stats };
  const res = await get('/v1/images/green_1?size=48');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('image/jpeg');
  const meta = await sharp(res.rawPayload).metadata();
  expect(meta.format).toBe('jpeg');
  expect(Math.max(meta.width, meta.height)).toBe(48);
  // The source is 96x64: the aspect ratio is kept.
  expect([meta.width, meta.height]).toEqual([48, 32]);
  const again = await get('/v1/images/green_1?size=48');
  expect(again.rawPayload.equals(res.rawPayload)).toBe(true);
  expect(h.thumbnails.stats.renders).toBe(before.renders + 1);
  expect(h.thumbnails.stats.memoryHits).toBe(before.memoryHits + 1);
  // Small images are enlarged to N so the longest side is always N.
  const big = await sharp((await get('/v1/images/green_1?size=1024')).rawPayload).metadata();
  expect(big.width).toBe(1024);
});

test('size limits: 32..1024, integers only', async () => {
  for (const ok of ['32', '1024']) expect((await get(`/v1/images/red_1?size=${ok}`)).statusCode).toBe(200);
  for (const bad of ['31', '1025', '0', '-5', '64.5', 'big', '']) {
    const res = await get(`/v1/images/red_1?size=${bad}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid_request');
  }
  expect((await get('/v1/images/red_1?width=10')).statusCode).toBe(400);
});

test('ETag revalidation answers 304', async () => {
  const first = await get('/v1/images/red_2?size=64');
  const res = await get('/v1/images/red_2?size=64', { 'if-none-match': first.headers.etag as string });
  expect(res.statusCode).toBe(304);
  expect(res.rawPayload.length).toBe(0);
});

test('unknown ids are 404', async () => {
  const res = await get('/v1/images/nope_1');
  expect(res.statusCode).toBe(404);
  expect(res.json().code).toBe('not_found');
});

test.each([
  ['a space', '/v1/images/a%20b'],
  ['a slash (encoded)', '/v1/images/..%2F..%2Fetc%2Fpasswd'],
  ['a backslash', '/v1/images/..%5Csecret'],
  ['a NUL byte', '/v1/images/a%00b'],
  ['201 characters', `/v1/images/${'a'.repeat(201)}`],
  ['unicode', '/v1/images/caf%C3%A9'],
])('ids with %s are refused before any lookup', async (_name, url) => {
  const res = await get(url);
  expect(res.statusCode).toBe(400);
  expect(h.fakes.calls).toEqual([]);
});

test('a 200-character id is allowed (then unknown)', async () => {
  expect((await get(`/v1/images/${'a'.repeat(200)}`)).statusCode).toBe(404);
});

test.each(['traversal', 'absolute', 'symlink', 'missing'])(
  'a record whose path leaves the dataset root or does not exist (%s) is 404 and leaks nothing',
  async (id) => {
    for (const url of [`/v1/images/${id}`, `/v1/images/${id}?size=64`]) {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('top secret');
      expect(res.body).not.toContain(h.dataset.outside);
    }
  },
);

test('a generation whose dataset is outside every allowed root serves nothing', async () => {
  const other = await startHarness({
    shared: { fakes: h.fakes, dataset: h.dataset },
    env: { DATASET_DIR: h.dataset.other, DATASETS_ROOT: h.dataset.other },
  });
  try {
    expect((await other.app.inject({ method: 'GET', url: '/v1/images/red_1' })).statusCode).toBe(404);
  } finally {
    await other.close();
  }
});

test('no generation served: 503 not_ready', async () => {
  h.fakes.served = false;
  const res = await get('/v1/images/red_1');
  expect(res.statusCode).toBe(503);
  expect(res.json().code).toBe('not_ready');
});
