/**
 * Every public gateway endpoint through the REAL processes: search, embedder, captioner, indexer and
 * gateway started by the shared test system with the tiny fixture models, Redis for the re-index
 * queue, and the shipped sample dataset (14 photos, 70 captions) indexed on first start.
 *
 * One successful call per endpoint, checked against the documented answer (gateway/README.md and the
 * route schemas), plus one error of each kind (400, 401, 404, 415, 422) as application/problem+json.
 * The tiny models are random, so nothing here depends on which image a dense query ranks first;
 * BM25 (lexical mode) is exact, so that one does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, openReindexQueue } from '@tit/kit';
import type { GenerationSummary } from '@tit/gateway/src/domain/ports';
import { startTestSystem, type TestSystem } from './support/test-system';
import { TEXT_AS_JPEG, sharp, truncatedJpeg } from './support/bad-images';
import {
  imagePart,
  postForm,
  postJson,
  request,
  waitFor,
  waitReady,
  type HttpResponse,
} from './support/http-client';

jest.setTimeout(120_000);

const SAMPLE = path.join(REPO_ROOT, 'tools/datasets/sample');
const photo = (name: string): Buffer => fs.readFileSync(path.join(SAMPLE, 'Images', name));
const ADMIN_KEY = `e2e-admin-${process.pid}-secret`;

interface TextResult {
  imageId: string;
  imageUrl: string;
  thumbnailUrl: string;
  caption: string;
  captions: string[];
  score: number;
}
interface ImageResult extends TextResult {
  bleu: number;
}
interface JobView {
  jobId: string;
  state: string;
  progress: { done: number; total: number; skipped: number; phase: string };
  result?: { generationId: string; captions: number; images: number };
  error?: string;
}

let sys: TestSystem;
let url: string;
/** The generation served after the first start (set by the readiness test). */
let firstGenerationId = '';

/** A result list as the API documents it: at most k, scores descending, none below the threshold. */
function expectRanked(results: TextResult[], k: number, threshold: number): void {
  expect(results.length).toBeLessThanOrEqual(k);
  for (const r of results) {
    expect(r).toEqual(
      expect.objectContaining({
        imageId: expect.any(String),
        caption: expect.any(String),
        captions: expect.any(Array),
        score: expect.any(Number),
      }),
    );
    expect(r.imageUrl).toBe(`/v1/images/${encodeURIComponent(r.imageId)}`);
    expect(r.thumbnailUrl).toBe(`${r.imageUrl}?size=256`);
    // The best-matching caption is one of the image's reference captions (5 per sample photo).
    expect(r.captions).toHaveLength(5);
    expect(r.captions).toContain(r.caption);
    expect(r.score).toBeGreaterThanOrEqual(threshold);
  }
  for (let i = 1; i < results.length; i++) expect(results[i].score).toBeLessThanOrEqual(results[i - 1].score);
  expect(new Set(results.map((r) => r.imageId)).size).toBe(results.length);
}

/** A complete RFC 9457 problem with this API's members, its status equal to the HTTP status. */
function expectProblem(res: HttpResponse, status: number, code: string): Record<string, unknown> {
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
    status,
    type: expect.stringMatching(/^application\/problem\+json/),
  });
  const p = res.json();
  expect(p).toMatchObject({
    type: `urn:text-image-text:problem:${code}`,
    title: expect.any(String),
    status,
    detail: expect.any(String),
    code,
    requestId: res.headers['x-request-id'],
  });
  return p;
}

/** Sum of the samples of a Prometheus metric whose labels include `labels`. */
function metricSum(text: string, name: string, labels: Record<string, string>): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

const getJson = async (p: string, headers: Record<string, string> = {}) => {
  const res = await request(`${url}${p}`, { headers });
  return { res, body: res.json() };
};

beforeAll(async () => {
  sys = await startTestSystem({ env: { ADMIN_API_KEY: ADMIN_KEY } });
  url = sys.gatewayUrl;
  await waitReady(url);
}, 180_000);

afterAll(async () => {
  if (sys) {
    const queue = openReindexQueue(sys.env.REDIS_URL as string, { prefix: sys.env.QUEUE_PREFIX as string });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
  await sys?.stop();
});

describe('gateway over the real processes', () => {
  it('GET /healthz and GET /readyz answer 200 once the sample dataset is indexed', async () => {
    const live = await getJson('/healthz');
    expect(live.res.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });

    const ready = await getJson('/readyz', { 'x-request-id': 'e2e-readyz-1' });
    expect(ready.res.status).toBe(200);
    expect(ready.res.headers['x-request-id']).toBe('e2e-readyz-1');
    expect(ready.body).toEqual({
      status: 'ready',
      services: { captioner: 'SERVING', embedder: 'SERVING', search: 'SERVING' },
      generation: { id: expect.any(String), model: expect.any(String), imageCount: 14 },
    });
    firstGenerationId = (ready.body.generation as { id: string }).id;
  });

  it('POST /v1/search/text with defaults (dense, k 5, threshold 0.5)', async () => {
    const res = await postJson(`${url}/v1/search/text`, { query: 'an astronaut in an orange space suit' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body).toMatchObject({
      query: 'an astronaut in an orange space suit',
      mode: 'dense',
      k: 5,
      threshold: 0.5,
      generationId: expect.any(String),
      results: expect.any(Array),
      timings: { embedMs: expect.any(Number), searchMs: expect.any(Number) },
      tookMs: expect.any(Number),
    });
    expectRanked(body.results as TextResult[], 5, 0.5);
  });

  it.each([
    ['dense', 'a dog runs across the grass', 3, -1],
    ['hybrid', 'a woman astronaut and a flag', 4, -1],
  ] as const)('POST /v1/search/text in %s mode', async (mode, query, k, threshold) => {
    const res = await postJson(`${url}/v1/search/text`, { query, k, threshold, mode });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      query,
      mode,
      k,
      threshold,
      generationId: expect.any(String),
      tookMs: expect.any(Number),
    });
    // Every one of the 14 images scores at least -1, so the list is full.
    expect(body.results).toHaveLength(k);
    expectRanked(body.results as TextResult[], k, threshold);
  });

  it('POST /v1/search/text in lexical mode ranks the only image whose captions hold the word first', async () => {
    const res = await postJson(`${url}/v1/search/text`, {
      query: 'astronaut',
      k: 5,
      threshold: 0,
      mode: 'lexical',
    });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ query: 'astronaut', mode: 'lexical', k: 5, threshold: 0 });
    const results = body.results as TextResult[];
    expectRanked(results, 5, 0);
    // "astronaut" appears only in captions of astronaut.jpg (BM25 does not depend on the tiny models).
    expect(results[0].imageId).toBe('astronaut');
    expect(results[0].caption.toLowerCase()).toContain('astronaut');
    expect(results[0].score).toBeGreaterThan(0);
    for (const r of results.slice(1)) expect(r.score).toBeLessThan(results[0].score);
  });

  it('POST /v1/search/text with a threshold nothing reaches is 200 with an empty list', async () => {
    const res = await postJson(`${url}/v1/search/text`, {
      query: 'quantum spreadsheet of purple zebras',
      threshold: 1,
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ threshold: 1, results: [] });
  });

  /** The caption fields both image routes answer with. */
  const captionFields = () => ({ caption: expect.any(String), model: expect.any(String), cached: expect.any(Boolean) });

  it('POST /v1/search/image captions the photo and ranks other images, with BLEU', async () => {
    const res = await postForm(`${url}/v1/search/image`, [
      imagePart(photo('horse.jpg'), 'horse.jpg'),
      { name: 'k', value: '3' },
    ]);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      ...captionFields(),
      generationId: expect.any(String),
      timings: {
        captionMs: expect.any(Number),
        embedMs: expect.any(Number),
        searchMs: expect.any(Number),
        bleuMs: expect.any(Number),
      },
      tookMs: expect.any(Number),
    });
    expect((body.caption as string).length).toBeGreaterThan(0);
    const results = body.results as ImageResult[];
    // No threshold by default: every other image is a candidate, so k results.
    expect(results).toHaveLength(3);
    expectRanked(results, 3, -1);
    for (const r of results) {
      expect(r.bleu).toBeGreaterThanOrEqual(0);
      expect(r.bleu).toBeLessThanOrEqual(1);
    }
    // The uploaded image itself (same bytes) is never returned.
    expect(results.map((r) => r.imageId)).not.toContain('horse');
  });

  it('POST /v1/captions captions an uploaded photo', async () => {
    const res = await postForm(`${url}/v1/captions`, [imagePart(photo('coffee.jpg'), 'coffee.jpg')]);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      ...captionFields(),
      tokenCount: expect.any(Number),
      timings: expect.any(Object),
      tookMs: expect.any(Number),
    });
    expect((body.caption as string).length).toBeGreaterThan(0);
  });

  it('GET /v1/images/{imageId}: the dataset file, a thumbnail, 304 on its ETag, 404 for an unknown id', async () => {
    const search = await postJson(`${url}/v1/search/text`, { query: 'a cat', k: 2, threshold: -1 });
    expect(search.status).toBe(200);
    const [hit] = search.json().results as TextResult[];
    const file = photo(`${hit.imageId}.jpg`);

    const byId = await request(`${url}/v1/images/${hit.imageId}`);
    expect(byId.status).toBe(200);
    expect(byId.headers['content-type']).toBe('image/jpeg');
    expect(byId.body.equals(file)).toBe(true);

    // The result's imageUrl is a working link to the same bytes.
    const followed = await request(`${url}${hit.imageUrl}`);
    expect(followed.status).toBe(200);
    expect(followed.body.equals(file)).toBe(true);

    const thumb = await request(`${url}/v1/images/${hit.imageId}?size=64`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(thumb.body).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(64);

    const etag = thumb.headers.etag;
    expect(etag).toEqual(expect.any(String));
    const again = await request(`${url}/v1/images/${hit.imageId}?size=64`, {
      headers: { 'if-none-match': String(etag) },
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const missing = await request(`${url}/v1/images/no-such-image-e2e`);
    expectProblem(missing, 404, 'not_found');
  });

  it('GET /metrics counts the requests per route and the downstream calls', async () => {
    const res = await request(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body.toString('utf8');
    for (const name of [
      'gateway_http_requests_total',
      'gateway_http_request_duration_seconds',
      'gateway_downstream_calls_total',
      'gateway_downstream_call_duration_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    // Earlier tests made 6+ text searches, 1 image search, 1 caption and image fetches.
    const http = (route: string, method = 'POST') => ({ method, route, status: '200' });
    expect(metricSum(text, 'gateway_http_requests_total', http('/v1/search/text'))).toBeGreaterThanOrEqual(6);
    expect(
      metricSum(text, 'gateway_http_request_duration_seconds_count', http('/v1/search/text')),
    ).toBeGreaterThanOrEqual(6);
    expect(metricSum(text, 'gateway_http_requests_total', http('/v1/search/image'))).toBeGreaterThanOrEqual(
      1,
    );
    expect(metricSum(text, 'gateway_http_requests_total', http('/v1/captions'))).toBeGreaterThanOrEqual(1);
    expect(
      metricSum(text, 'gateway_http_requests_total', http('/v1/images/:imageId', 'GET')),
    ).toBeGreaterThanOrEqual(3);
    expect(
      metricSum(text, 'gateway_http_requests_total', { route: '/v1/images/:imageId', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricSum(text, 'gateway_http_request_duration_seconds_bucket', {
        ...http('/v1/search/text'),
        le: '+Inf',
      }),
    ).toBeGreaterThanOrEqual(6);
    const call = (service: string, method: string) => ({ service, method, code: 'OK' });
    expect(
      metricSum(text, 'gateway_downstream_calls_total', call('embedder', 'Embed')),
    ).toBeGreaterThanOrEqual(5);
    expect(metricSum(text, 'gateway_downstream_calls_total', call('search', 'Query'))).toBeGreaterThanOrEqual(
      6,
    );
    expect(
      metricSum(text, 'gateway_downstream_calls_total', call('captioner', 'Caption')),
    ).toBeGreaterThanOrEqual(2);
    expect(
      metricSum(text, 'gateway_downstream_calls_total', call('search', 'GetImage')),
    ).toBeGreaterThanOrEqual(3);
    expect(
      metricSum(text, 'gateway_downstream_call_duration_seconds_count', call('search', 'Query')),
    ).toBeGreaterThanOrEqual(6);
    expect(text).toMatch(/^gateway_process_cpu_seconds_total /m);
  });

  it('GET /docs is the Swagger UI and GET /openapi.json documents every API path', async () => {
    const docs = await fetch(`${url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await docs.text()).toMatch(/swagger/i);

    const { res, body } = await getJson('/openapi.json');
    expect(res.status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    const paths = body.paths as Record<string, Record<string, unknown>>;
    const expected: Record<string, string[]> = {
      '/v1/search/text': ['post'],
      '/v1/search/image': ['post'],
      '/v1/captions': ['post'],
      '/v1/images/{imageId}': ['get'],
      '/v1/index': ['get', 'post'],
      '/v1/index/jobs/{jobId}': ['get'],
      '/healthz': ['get'],
      '/readyz': ['get'],
    };
    for (const [p, methods] of Object.entries(expected)) {
      expect({ path: p, methods: Object.keys(paths[p] ?? {}).sort() }).toEqual({
        path: p,
        methods: expect.arrayContaining(methods),
      });
    }
  });

  it('GET / serves the web UI', async () => {
    const res = await request(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = res.body.toString('utf8');
    expect(html).toMatch(/<html/i);
    expect(html).toContain('app.js');
  });

  it('400: a field breaking its rule is a problem carrying the request id', async () => {
    const res = await postJson(
      `${url}/v1/search/text`,
      { query: 'a dog', k: 51 },
      { headers: { 'x-request-id': 'e2e-bad-k-1' } },
    );
    expect(res.headers['x-request-id']).toBe('e2e-bad-k-1');
    const p = expectProblem(res, 400, 'invalid_request');
    expect(p.requestId).toBe('e2e-bad-k-1');
    expect(p.instance).toBe('/v1/search/text');
    expect(p.errors).toEqual([expect.objectContaining({ field: '/k' })]);
  });

  it('415: a body of the wrong content type, and a text file named .jpg', async () => {
    const wrongType = await request(`${url}/v1/search/text`, {
      method: 'POST',
      body: 'a dog',
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(wrongType, 415, 'unsupported_media_type');
    // The format is sniffed from the bytes, not the name: text is not an accepted image format.
    const textAsJpeg = await postForm(`${url}/v1/captions`, [imagePart(TEXT_AS_JPEG, 'photo.jpg')]);
    expectProblem(textAsJpeg, 415, 'unsupported_media_type');
  });

  it('422: a JPEG whose bytes cannot be decoded', async () => {
    const res = await postForm(`${url}/v1/captions`, [imagePart(truncatedJpeg(), 'photo.jpg')]);
    expectProblem(res, 422, 'undecodable_image');
  });

  it('GET /v1/index, POST /v1/index (admin key), GET /v1/index/jobs/{jobId}: a re-index commits a new generation', async () => {
    // The job of the first start may still be marked active just after its commit; wait it out so
    // this request starts a job of its own.
    await waitFor('no running re-index', async () => (await getJson('/v1/index')).body.job === null, 60_000);
    const before = await getJson('/v1/index');
    expect(before.res.status).toBe(200);
    const served = before.body.generation as GenerationSummary;
    expect(served).toEqual({
      id: expect.any(String),
      state: 'serving',
      model: expect.any(String),
      dimensions: expect.any(Number),
      captionCount: 70,
      imageCount: 14,
      dataset: expect.any(String),
      createdAt: expect.any(String),
      committedAt: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(served.createdAt as string))).toBe(false);
    expect(served.dimensions).toBeGreaterThan(0);
    expect(fs.realpathSync(served.dataset)).toBe(fs.realpathSync(SAMPLE));
    expect(before.body).toMatchObject({ building: [], approximate: expect.any(Boolean), job: null });
    if (firstGenerationId) expect(served.id).toBe(firstGenerationId);

    // Without the key, or with a wrong one: 401 (checked before the body).
    const noKey = await postJson(`${url}/v1/index`, {});
    expectProblem(noKey, 401, 'unauthorized');
    expect(noKey.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrongKey = await postJson(
      `${url}/v1/index`,
      {},
      { headers: { authorization: `Bearer ${ADMIN_KEY}x` } },
    );
    expectProblem(wrongKey, 401, 'unauthorized');

    // With the key and no body at all: "re-index the configured dataset".
    const accepted = await request(`${url}/v1/index`, {
      method: 'POST',
      headers: { 'x-api-key': ADMIN_KEY },
    });
    expect(accepted.status).toBe(202);
    const { jobId, existing, statusUrl } = accepted.json() as {
      jobId: string;
      existing: boolean;
      statusUrl: string;
    };
    expect(jobId).toEqual(expect.any(String));
    expect(existing).toBe(false);
    expect(statusUrl).toBe(`/v1/index/jobs/${encodeURIComponent(jobId)}`);

    // Poll the status URL until the job finishes (a failed job ends the wait at once).
    let job: JobView | undefined;
    const until = Date.now() + 90_000;
    for (;;) {
      const r = await getJson(statusUrl);
      expect(r.res.status).toBe(200);
      job = r.body as unknown as JobView;
      expect(job).toMatchObject({ jobId, progress: { done: expect.any(Number), total: expect.any(Number) } });
      if (job.state === 'completed' || job.state === 'failed') break;
      if (Date.now() > until) throw new Error(`job ${jobId} not finished after 90 s: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(job).toMatchObject({
      jobId,
      state: 'completed',
      progress: { done: 70, total: 70, skipped: 0, phase: 'done' },
      result: { generationId: expect.any(String), captions: 70, images: 14 },
    });
    const newId = job?.result?.generationId as string;

    const after = await getJson('/v1/index');
    expect(after.res.status).toBe(200);
    expect(after.body.generation).toMatchObject({
      id: newId,
      state: 'serving',
      captionCount: 70,
      imageCount: 14,
    });
    // A new build of the same dataset is a new generation; the old one is the rollback target.
    expect(newId).not.toBe(served.id);
    expect(after.body.previous).toMatchObject({ id: served.id });

    const ready = await getJson('/readyz');
    expect(ready.res.status).toBe(200);
    expect(ready.body.generation).toMatchObject({ id: newId, imageCount: 14 });
    const search = await postJson(`${url}/v1/search/text`, {
      query: 'astronaut',
      mode: 'lexical',
      threshold: 0,
    });
    expect(search.status).toBe(200);
    expect(search.json().generationId).toBe(newId);
    expect((search.json().results as TextResult[])[0]?.imageId).toBe('astronaut');

    const unknown = await request(`${url}/v1/index/jobs/no-such-job-e2e`);
    expectProblem(unknown, 404, 'not_found');
  });
});
