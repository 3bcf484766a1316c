/**
 * App-wide behaviour: metrics, the OpenAPI document and /docs, CORS, rate limiting, the UI's
 * static files, unknown routes, and configuration validation.
 */
import { ConfigError } from '@tit/kit';
import { loadGatewayConfig } from '../src/config';
import { colourImage } from './support/dataset';
import { imageForm, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CORS_ORIGINS: 'https://app.example, https://other.example' } });
});
afterAll(async () => h.close());
beforeEach(() => h.fakes.reset());

describe('/metrics', () => {
  test('counts requests and latency per route template and per downstream call', async () => {
    await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: { query: 'red ball' } });
    await h.app.inject({ method: 'GET', url: '/v1/images/red_1?size=40' });
    await h.app.inject({ method: 'GET', url: '/v1/images/nope' });
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const m = res.body;
    expect(m).toMatch(/gateway_http_requests_total\{method="POST",route="\/v1\/search\/text",status="200"\} 1/);
    expect(m).toMatch(/gateway_http_requests_total\{method="GET",route="\/v1\/images\/:imageId",status="404"\} 1/);
    expect(m).toMatch(/gateway_http_request_duration_seconds_bucket\{le="[\d.+Inf]+",method="POST",route="\/v1\/search\/text",status="200"\}/);
    expect(m).toMatch(/gateway_downstream_calls_total\{service="embedder",method="Embed",code="OK"\} 1/);
    expect(m).toMatch(/gateway_downstream_calls_total\{service="search",method="GetImage",code="NOT_FOUND"\} 1/);
    expect(m).toMatch(/gateway_downstream_call_duration_seconds_count\{service="search",method="Query",code="OK"\} 1/);
    // Raw URLs never become labels.
    expect(m).not.toContain('red_1');
  });
});

describe('OpenAPI and /docs', () => {
  test('/openapi.json documents every public route with the validating schemas', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/healthz', '/readyz', '/v1/captions', '/v1/images/{imageId}', '/v1/index', '/v1/index/jobs/{jobId}', '/v1/search/image', '/v1/search/text'].sort(),
    );
    const text = doc.paths['/v1/search/text'].post;
    const schema = text.requestBody.content['application/json'].schema;
    expect(schema.properties.k).toMatchObject({ minimum: 1, maximum: 50, default: 5 });
    expect(schema.properties.threshold).toMatchObject({ minimum: -1, maximum: 1, default: 0.5 });
    expect(schema.properties.query).toMatchObject({ maxLength: 500 });
    expect(text.responses['200'].content['application/json'].schema.properties.results.items.properties.score.description).toMatch(/cosine/);
    const image = doc.paths['/v1/search/image'].post.requestBody.content['multipart/form-data'].schema;
    expect(image.properties.image).toMatchObject({ type: 'string', format: 'binary' });
    expect(image.properties.image.isFile).toBeUndefined();
    expect(doc.paths['/v1/images/{imageId}'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'size', in: 'query', schema: expect.objectContaining({ minimum: 32, maximum: 1024 }) })]),
    );
    expect(doc.components.schemas.Problem.properties.code.enum).toContain('undecodable_image');
    expect(doc.info.description).toMatch(/BLEU-4/);
  });

  test('/docs serves the Swagger UI', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/swagger/i);
    expect((await h.app.inject({ method: 'GET', url: '/docs/json' })).json().paths['/v1/search/text']).toBeDefined();
  });
});

describe('CORS', () => {
  test('allowed origins get CORS headers, others do not', async () => {
    const ok = await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: { query: 'x' }, headers: { origin: 'https://app.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(ok.headers['access-control-expose-headers']).toContain('x-request-id');
    const pre = await h.app.inject({
      method: 'OPTIONS',
      url: '/v1/search/text',
      headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://other.example');
    const evil = await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: { query: 'x' }, headers: { origin: 'https://evil.example' } });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('no CORS_ORIGINS: no CORS headers at all', async () => {
    const other = await startHarness({ shared: { fakes: h.fakes, dataset: h.dataset } });
    try {
      const res = await other.app.inject({ method: 'POST', url: '/v1/search/text', payload: { query: 'x' }, headers: { origin: 'https://app.example' } });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe('rate limiting', () => {
  test('search and caption routes are limited per client with 429 + Retry-After; others are not', async () => {
    const limited = await startHarness({
      shared: { fakes: h.fakes, dataset: h.dataset },
      env: { RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' },
    });
    try {
      const search = (ip: string) =>
        limited.app.inject({ method: 'POST', url: '/v1/search/text', payload: { query: 'red' }, remoteAddress: ip });
      expect((await search('10.0.0.1')).statusCode).toBe(200);
      expect((await search('10.0.0.1')).statusCode).toBe(200);
      const third = await search('10.0.0.1');
      expect(third.statusCode).toBe(429);
      expect(third.headers['content-type']).toMatch(/problem\+json/);
      expect(third.json().code).toBe('rate_limited');
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(third.headers['retry-after'])).toBeLessThanOrEqual(60);
      // Another client is unaffected; so are health and image routes.
      expect((await search('10.0.0.2')).statusCode).toBe(200);
      for (let i = 0; i < 4; i++) {
        expect((await limited.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
      }
      const upload = imageForm(await colourImage([1, 200, 1]));
      const cap = (ip: string) => limited.app.inject({ method: 'POST', url: '/v1/captions', ...upload, remoteAddress: ip });
      expect((await cap('10.0.0.3')).statusCode).toBe(200);
      expect((await cap('10.0.0.3')).statusCode).toBe(200);
      expect((await cap('10.0.0.3')).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });
});

describe('the web UI and unknown routes', () => {
  test('/ serves the page and its assets', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<main');
    for (const asset of ['/app.js', '/styles.css']) {
      expect((await h.app.inject({ method: 'GET', url: asset })).statusCode).toBe(200);
    }
  });

  test('unknown paths are 404 problems, with the path and the request id', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v2/whatever?x=1', headers: { 'x-request-id': 'r-404' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found', instance: '/v2/whatever', requestId: 'r-404' });
  });

  test('SERVE_UI=false serves no page', async () => {
    const other = await startHarness({ shared: { fakes: h.fakes, dataset: h.dataset }, env: { SERVE_UI: 'false' } });
    try {
      expect((await other.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    } finally {
      await other.close();
    }
  });
});

describe('configuration', () => {
  test('defaults', () => {
    const c = loadGatewayConfig({});
    expect(c).toMatchObject({
      GATEWAY_PORT: 8080,
      EMBEDDER_ADDR: '127.0.0.1:50051',
      SEARCH_ADDR: '127.0.0.1:50052',
      CAPTIONER_ADDR: '127.0.0.1:50053',
      RATE_LIMIT_MAX: 60,
      CORS_ORIGINS: [],
      REQUEST_TIMEOUT_MS: 15000,
      ADMIN_API_KEY: undefined,
    });
  });

  test('every invalid variable is reported at once', () => {
    let err: unknown;
    try {
      loadGatewayConfig({ GATEWAY_PORT: '99999', REQUEST_TIMEOUT_MS: 'soon', REDIS_URL: 'http://x', SEARCH_ADDR: 'no port', MAX_UPLOAD_BYTES: '10' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const v of ['GATEWAY_PORT', 'REQUEST_TIMEOUT_MS', 'REDIS_URL', 'SEARCH_ADDR', 'MAX_UPLOAD_BYTES']) expect(problems).toContain(v);
  });
});
