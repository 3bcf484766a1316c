/**
 * POST /v1/search/text and POST /v1/search/image through app.inject() against real gRPC servers
 * (deterministic fakes): results, defaults, every field limit, and the error statuses.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { colourImage } from './support/dataset';
import { imageForm, multipart, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { MAX_UPLOAD_BYTES: '20000', MAX_JSON_BYTES: '2048' } });
});
afterAll(async () => h.close());
beforeEach(() => h.fakes.reset());

/** A PNG declaring width x height whose IDAT holds a few compressed rows only (a decompression bomb's header). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(100_000))), chunk('IEND', Buffer.alloc(0))]);
}

const text = (payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/v1/search/text', payload: payload as object, headers });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field below
type Json = any;
const expectProblem = (res: { statusCode: number; headers: Record<string, unknown>; json(): Json }, status: number, code: string) => {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ status, code, type: `urn:text-image-text:problem:${code}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.requestId).toBe(res.headers['x-request-id']);
  return body;
};

describe('POST /v1/search/text', () => {
  test('answers one entry per image, scores descending, none below the threshold, at most k', async () => {
    const res = await text({ query: 'red ball on grass', threshold: 0.1, k: 3 });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ query: 'red ball on grass', k: 3, threshold: 0.1, mode: 'dense' });
    expect(typeof body.tookMs).toBe('number');
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.results.length).toBeLessThanOrEqual(3);
    const ids = body.results.map((r: { imageId: string }) => r.imageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe('red_1');
    const scores = body.results.map((r: { score: number }) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const s of scores) expect(s).toBeGreaterThanOrEqual(0.1);
    expect(body.results[0]).toEqual({
      imageId: 'red_1',
      imageUrl: '/v1/images/red_1',
      thumbnailUrl: '/v1/images/red_1?size=256',
      caption: 'A red ball on the grass .',
      captions: ['A red ball on the grass .', 'A child kicks a red ball .'],
      score: 1,
    });
  });

  test('defaults: k 5, threshold 0.5, dense mode', async () => {
    const res = await text({ query: 'red' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ k: 5, threshold: 0.5, mode: 'dense' });
    const query = h.fakes.calls.find((c) => c.method === 'Query');
    expect(query).toBeDefined();
    for (const r of res.json().results) expect(r.score).toBeGreaterThanOrEqual(0.5);
  });

  test('an empty list is a normal answer', async () => {
    const res = await text({ query: 'submarine volcano', threshold: 0.9 });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual([]);
  });

  test('lexical mode does not call the embedder; dense and hybrid do', async () => {
    const lexical = await text({ query: 'red car', mode: 'lexical', threshold: 0.5 });
    expect(lexical.statusCode).toBe(200);
    expect(lexical.json().results[0].imageId).toBe('red_2');
    expect(h.fakes.calls.map((c) => c.method)).toEqual(['Query']);
    h.fakes.calls.length = 0;
    const hybrid = await text({ query: 'red car', mode: 'hybrid', threshold: 0 });
    expect(hybrid.statusCode).toBe(200);
    expect(h.fakes.calls.map((c) => c.method)).toEqual(['Embed', 'Query']);
  });

  test.each([
    ['missing query', {}, '/query'],
    ['empty query', { query: '' }, '/query'],
    ['whitespace-only query', { query: '   ' }, '/query'],
    ['query over 500 characters', { query: 'a'.repeat(501) }, '/query'],
    ['query not a string', { query: 5 }, '/query'],
    ['k = 0', { query: 'dog', k: 0 }, '/k'],
    ['k = 51', { query: 'dog', k: 51 }, '/k'],
    ['k not an integer', { query: 'dog', k: 2.5 }, '/k'],
    ['k as a string (no coercion in JSON)', { query: 'dog', k: '5' }, '/k'],
    ['k = true', { query: 'dog', k: true }, '/k'],
    ['threshold below -1', { query: 'dog', threshold: -1.01 }, '/threshold'],
    ['threshold above 1', { query: 'dog', threshold: 1.01 }, '/threshold'],
    ['threshold null', { query: 'dog', threshold: null }, '/threshold'],
    ['unknown mode', { query: 'dog', mode: 'sparse' }, '/mode'],
    ['unknown field', { query: 'dog', treshold: 0.2 }, '/treshold'],
    ['array body', [{ query: 'dog' }], ''],
  ])('400 for %s', async (_name, payload, field) => {
    const res = await text(payload);
    const body = expectProblem(res, 400, 'invalid_request');
    expect(body.errors[0].field).toBe(field);
    expect(h.fakes.calls).toEqual([]);
  });

  test('limits are inclusive: 500-character query, k 1 and 50, thresholds -1 and 1', async () => {
    for (const payload of [
      { query: 'a'.repeat(500) },
      { query: 'dog', k: 1 },
      { query: 'dog', k: 50 },
      { query: 'dog', threshold: -1 },
      { query: 'dog', threshold: 1 },
    ]) {
      expect((await text(payload)).statusCode).toBe(200);
    }
  });

  test('400 for malformed JSON and for an empty JSON body', async () => {
    expectProblem(
      await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: '{"query": ', headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_request',
    );
    expectProblem(
      await h.app.inject({ method: 'POST', url: '/v1/search/text', headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_request',
    );
  });

  test('413 for a body over MAX_JSON_BYTES', async () => {
    const res = await text({ query: 'dog', pad: 'x'.repeat(3000) });
    const body = expectProblem(res, 413, 'payload_too_large');
    expect(body.detail).toContain('2048');
  });

  test('415 for other media types, including multipart', async () => {
    expectProblem(
      await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: 'query=dog', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'unsupported_media_type',
    );
    expectProblem(await h.app.inject({ method: 'POST', url: '/v1/search/text', ...multipart([{ name: 'query', value: 'dog' }]) }), 415, 'unsupported_media_type');
    expectProblem(
      await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: 'dog', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
  });

  test('405-like misuse: GET on a POST route is a 404 problem', async () => {
    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/search/text' }), 404, 'not_found');
  });
});

describe('POST /v1/search/image', () => {
  const post = (form: { payload: Buffer; headers: Record<string, string> }) =>
    h.app.inject({ method: 'POST', url: '/v1/search/image', ...form });

  test('captions, searches with the caption and scores BLEU against each result', async () => {
    const res = await post(imageForm(await colourImage([240, 10, 10]), { k: '3' }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.caption).toBe('a red ball on the grass');
    expect(body.model).toBe('fake/blip');
    expect(body.results.length).toBeLessThanOrEqual(3);
    expect(body.results[0]).toMatchObject({ imageId: 'red_1', caption: 'A red ball on the grass .', score: 1 });
    // "a red ball on the grass" vs the references of red_1: every n-gram of the hypothesis is in
    // the first reference and its length 6 equals the closest reference length, so BLEU is 1...
    // except that the reference has a final "." (7 tokens): closest length 7 > 6 -> BP = exp(1 - 7/6).
    expect(body.results[0].bleu).toBeCloseTo(Math.exp(1 - 7 / 6), 6);
    for (const r of body.results) {
      expect(r.bleu).toBeGreaterThanOrEqual(0);
      expect(r.bleu).toBeLessThanOrEqual(1);
    }
    expect(Object.keys(body.timings).sort()).toEqual(
      ['bleuMs', 'captionMs', 'decodeMs', 'embedMs', 'encodeMs', 'generateMs', 'preprocessMs', 'searchMs'].sort(),
    );
    expect(h.fakes.calls.map((c) => `${c.service}.${c.method}`)).toEqual(['captioner.Caption', 'embedder.Embed', 'search.Query']);
  });

  test('never returns the uploaded image itself (excluded by content hash)', async () => {
    const bytes = await fs.readFile(path.join(h.dataset.dir, 'Images/red_1.jpg'));
    const res = await post(imageForm(bytes, { k: '10' }));
    expect(res.statusCode).toBe(200);
    const ids = res.json().results.map((r: { imageId: string }) => r.imageId);
    expect(ids).not.toContain('red_1');
    expect(ids).toContain('red_2');
  });

  test('form fields are coerced and validated: k, threshold, mode, model', async () => {
    const ok = await post(imageForm(await colourImage([10, 10, 240]), { k: '1', threshold: '-0.5', mode: 'hybrid', model: 'fake/vit-gpt2' }));
    expect(ok.statusCode).toBe(200);
    expect(ok.json().results).toHaveLength(1);
    expect(ok.json().model).toBe('fake/vit-gpt2');
    for (const [fields, field] of [
      [{ k: '0' }, '/k'],
      [{ k: '51' }, '/k'],
      [{ k: 'many' }, '/k'],
      [{ threshold: '2' }, '/threshold'],
      [{ mode: 'fuzzy' }, '/mode'],
      [{ model: 'bad model!' }, '/model'],
      [{ colour: 'red' }, '/colour'],
    ] as const) {
      const res = await post(imageForm(await colourImage([10, 10, 240]), fields));
      expect(expectProblem(res, 400, 'invalid_request').errors[0].field).toBe(field);
    }
  });

  test('the default threshold is none: every image can come back', async () => {
    const res = await post(imageForm(await colourImage([10, 240, 10]), { k: '50' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toHaveLength(h.dataset.images.length);
  });

  test('400 when the image is missing or is a text field', async () => {
    expectProblem(await post(multipart([{ name: 'k', value: '3' }])), 400, 'invalid_request');
    expectProblem(await post(multipart([{ name: 'image', value: 'not a file' }])), 400, 'invalid_request');
  });

  test('413 for a file over MAX_UPLOAD_BYTES, two files, or too many fields', async () => {
    const big = Buffer.concat([await colourImage([1, 2, 3]), Buffer.alloc(25000)]);
    expect(expectProblem(await post(imageForm(big)), 413, 'payload_too_large').detail).toContain('20000');
    const img = await colourImage([200, 0, 0]);
    expectProblem(
      await post(
        multipart([
          { name: 'image', value: img, filename: 'a.jpg', contentType: 'image/jpeg' },
          { name: 'image', value: img, filename: 'b.jpg', contentType: 'image/jpeg' },
        ]),
      ),
      413,
      'payload_too_large',
    );
    const fields = Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, value: 'x' }));
    expectProblem(await post(multipart([{ name: 'image', value: img, filename: 'a.jpg' }, ...fields])), 413, 'payload_too_large');
  });

  test('413 for a decompression bomb: a tiny PNG declaring 30000 x 30000 pixels', async () => {
    const res = await post(imageForm(pngHeaderOnly(30000, 30000), {}, 'bomb.png'));
    expect(expectProblem(res, 413, 'payload_too_large').detail).toContain('900000000 pixels');
    expect(h.fakes.calls).toEqual([]);
  });

  test('415 for a file that is not an accepted image, and for a non-multipart body', async () => {
    const pdf = Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n');
    expectProblem(await post(imageForm(pdf, {}, 'doc.pdf')), 415, 'unsupported_media_type');
    const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]);
    expectProblem(await post(imageForm(bmp, {}, 'x.bmp')), 415, 'unsupported_media_type');
    expectProblem(
      await h.app.inject({ method: 'POST', url: '/v1/search/image', payload: { image: 'x' } }),
      415,
      'unsupported_media_type',
    );
    expect(h.fakes.calls).toEqual([]);
  });

  test('422 for an image that cannot be decoded (bad header, or refused by the captioner)', async () => {
    const badHeader = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('garbage'.repeat(10))]);
    expectProblem(await post(imageForm(badHeader)), 422, 'undecodable_image');
    expect(h.fakes.calls).toEqual([]);
    // A truncated JPEG parses (header intact) but fails to decode inside the captioner.
    const full = await colourImage([100, 100, 100], 'jpeg', 400, 300);
    const truncated = full.subarray(0, Math.floor(full.length / 3));
    const res = await post(imageForm(truncated));
    expectProblem(res, 422, 'undecodable_image');
  });

  test('400 for a malformed multipart body', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/search/image',
      payload: '--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nabc',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
    });
    expect([400, 413]).toContain(res.statusCode);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  test('404 for a captioning model the captioner does not serve', async () => {
    expectProblem(await post(imageForm(await colourImage([5, 5, 5]), { model: 'nope/model' })), 404, 'not_found');
  });
});

describe('POST /v1/captions', () => {
  test('captions an image', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/captions', ...imageForm(await colourImage([0, 250, 0], 'png'), {}, 'g.png') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ caption: 'a green ball on the grass', model: 'fake/blip', cached: false });
    expect(typeof res.json().tookMs).toBe('number');
    expect(h.fakes.calls.map((c) => c.method)).toEqual(['Caption']);
  });

  test('validates like the image search', async () => {
    expectProblem(await h.app.inject({ method: 'POST', url: '/v1/captions', ...multipart([{ name: 'k', value: '1' }]) }), 400, 'invalid_request');
    expectProblem(await h.app.inject({ method: 'POST', url: '/v1/captions', ...imageForm(Buffer.from('hello')) }), 415, 'unsupported_media_type');
    expectProblem(await h.app.inject({ method: 'POST', url: '/v1/captions', ...imageForm(await colourImage([1, 1, 1]), { k: '3' }) }), 400, 'invalid_request');
  });
});
