/**
 * No request crashes the process: a few hundred malformed, hostile or random requests, all
 * answered with a 4xx problem document (never a 5xx, never a hang), then the app still serves.
 * Also over a real socket: clients that disconnect mid-upload or mid-request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InjectOptions } from 'fastify';
import { colourImage } from './support/dataset';
import { imageForm, multipart, startHarness, type Harness } from './support/harness';

let h: Harness;
const crashes: unknown[] = [];
const onCrash = (e: unknown) => crashes.push(e);
beforeAll(async () => {
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  h = await startHarness({ env: { MAX_UPLOAD_BYTES: '50000' } });
});
afterAll(async () => {
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
  await h.close();
});

let seed = 12345;
const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => rnd(256)));

const ROUTES = ['/v1/search/text', '/v1/search/image', '/v1/captions', '/v1/index'];
const TYPES = [
  'application/json',
  'multipart/form-data; boundary=abc',
  'multipart/form-data',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/octet-stream',
  'image/jpeg',
  'application/json; charset=latin1',
  '',
];

type Res = Awaited<ReturnType<Harness['app']['inject']>>;
function expectClientError(res: Res, what: string): void {
  if (res.statusCode >= 500 || res.statusCode < 400) {
    throw new Error(`${what} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
  }
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json().requestId).toBe(res.headers['x-request-id']);
}

test('random bodies with every content type on every POST route', async () => {
  for (let i = 0; i < 150; i++) {
    const url = ROUTES[rnd(ROUTES.length)];
    const type = TYPES[rnd(TYPES.length)];
    const payload = randomBytes(rnd(3000));
    const res = await h.app.inject({ method: 'POST', url, payload, headers: type ? { 'content-type': type } : {} });
    expectClientError(res, `POST ${url} [${type}] ${payload.length} random bytes`);
  }
});

test('hostile JSON', async () => {
  const bodies = [
    '{"__proto__": {"admin": true}, "query": "x"}',
    '{"constructor": {"prototype": {"x": 1}}, "query": "x"}',
    `{"query": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
    '{"query": "\\ud800"}',
    '{"query": "x", "k": 1e400}',
    '{"query": "x", "k": -0}',
    '{"query": "x", "threshold": "NaN"}',
    '"just a string"',
    'null',
    '123',
    '{"query": "x"} trailing',
    '\u0000\u0001',
  ];
  for (const b of bodies) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: b, headers: { 'content-type': 'application/json' } });
    // Some are valid requests after all (a lone surrogate is still a string): only 5xx would be wrong.
    if (res.statusCode !== 200) expectClientError(res, `JSON ${b.slice(0, 40)}`);
  }
  expect(({} as Record<string, unknown>).admin).toBeUndefined();
});

test('hostile multipart', async () => {
  const img = await colourImage([120, 10, 10]);
  const forms = [
    multipart([{ name: '__proto__', value: 'x' }, { name: 'image', value: img, filename: 'a.jpg' }]),
    multipart([{ name: 'image', value: img, filename: '../../etc/passwd' }, { name: 'k', value: '9'.repeat(2000) }]),
    multipart([{ name: 'image', value: Buffer.alloc(0), filename: 'empty.jpg' }]),
    multipart([{ name: 'image', value: randomBytes(40000), filename: 'noise.jpg' }]),
    multipart([{ name: 'x'.repeat(500), value: 'y' }]),
    imageForm(img, { k: '3', threshold: 'abc' }),
    imageForm(img, { mode: 'dense', model: '' , k: '' }),
  ];
  for (const url of ['/v1/search/image', '/v1/captions']) {
    for (const f of forms) {
      const res = await h.app.inject({ method: 'POST', url, ...f });
      expectClientError(res, `multipart to ${url}`);
    }
  }
});

test('odd URLs, methods and headers', async () => {
  const cases: InjectOptions[] = [
    { method: 'GET', url: '/v1/images/%' },
    { method: 'GET', url: '/v1/images/%E0%A4%A' },
    { method: 'GET', url: '/v1/images/red_1?size=64&size=128' },
    { method: 'GET', url: `/v1/images/${'x'.repeat(5000)}` },
    { method: 'GET', url: '/v1/index/jobs/' },
    { method: 'DELETE', url: '/v1/index' },
    { method: 'PUT', url: '/v1/search/text', payload: { query: 'x' } },
    { method: 'POST', url: '/v1/search/text', payload: '{}', headers: { 'content-type': 'application/json', 'content-length': '999' } },
    { method: 'GET', url: '/../../etc/passwd' },
    { method: 'GET', url: '/%2e%2e/%2e%2e/etc/passwd' },
  ];
  for (const c of cases) {
    const res = await h.app.inject(c);
    if (res.statusCode < 400) throw new Error(`${String(c.method)} ${JSON.stringify(c.url)} -> ${res.statusCode}`);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.body).not.toContain('root:');
  }
});

test('a non-ASCII request id is replaced, not echoed', async () => {
  const res = await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: { query: 'x' }, headers: { 'x-request-id': '\u00e9'.repeat(300) } });
  expect(res.statusCode).toBe(200);
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

test('clients that disconnect mid-upload or mid-request do not hurt the server', async () => {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = h.app.server.address() as AddressInfo;
  // 1) Announce a large upload, send part of it, vanish.
  await new Promise<void>((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/search/image',
      headers: { 'content-type': 'multipart/form-data; boundary=zz', 'content-length': '40000' },
    });
    req.on('error', () => resolve());
    req.write('--zz\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n');
    req.write(randomBytes(1000));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 50);
  });
  // 2) Start a search whose downstream is slow, and go away before it answers.
  h.fakes.fail('search', 'Query', { delayMs: 300, times: 1 });
  await new Promise<void>((resolve) => {
    const body = JSON.stringify({ query: 'red ball' });
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/search/text', headers: { 'content-type': 'application/json' } });
    req.on('error', () => resolve());
    req.end(body);
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 100);
  });
  await new Promise((r) => setTimeout(r, 400));
  const res = await fetch(`http://127.0.0.1:${port}/v1/search/text`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'red ball' }),
  });
  expect(res.status).toBe(200);
});

test('after all that, the process is healthy and nothing escaped', async () => {
  expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  expect((await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: { query: 'red ball' } })).statusCode).toBe(200);
  expect(crashes).toEqual([]);
});
