/**
 * Bad input against the REAL processes (tiny fixture models, real Redis): through the gateway, and
 * directly on each gRPC service with kit clients. Every case checks the documented answer and that
 * the next valid request on the same connection succeeds; docs/reliability.md gets a row per case.
 *
 * The gateway's route tests (gateway/test) cover every field limit against fakes; here the point is
 * that the real chain (gateway -> captioner -> embedder -> search) answers hostile input with a 4xx
 * problem and keeps serving.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { enqueueReindex, getReindexJob, openReindexQueue, type ReindexJobView } from '@tit/kit';
import { startTestSystem, type TestSystem } from '../support/test-system';
import * as img from '../support/bad-images';
import http from 'node:http';
import { imagePart, outcomeOf, postForm, postJson, waitFor, waitReady, type HttpResponse, type Part } from '../support/http-client';
import { NOT_PROTOBUF, outcome, rawCall, serviceClients, type CallOutcome, type ServiceClients } from '../support/grpc-probe';
import { ReliabilityDoc } from '../support/reliability-doc';

jest.setTimeout(60_000);

const doc = new ReliabilityDoc(
  'bad-input',
  'All five processes with their default limits (gateway: 16 KB JSON bodies, 10 MB uploads, 500-character queries; ' +
    'captioner: 50 M pixels; embedder: 512 texts of 8192 characters; search: k ≤ 1000), the sample dataset indexed. ' +
    'Gateway answers are `<status> <problem code>` when the body is a complete RFC 9457 problem document; gRPC answers are the status name. ' +
    'After every case the next valid request on the same connection must succeed.',
);

let sys: TestSystem;
let grpcs: ServiceClients;
let url: string;
let dimensions = 0;
let model = '';

beforeAll(async () => {
  sys = await startTestSystem({ env: { RATE_LIMIT_MAX: '0' } });
  url = sys.gatewayUrl;
  await waitReady(url);
  grpcs = serviceClients(sys.env);
  const info = await grpcs.embedderInfo();
  dimensions = info.dimensions;
  model = info.id;
}, 180_000);

afterAll(async () => {
  agent.destroy();
  grpcs?.close();
  await sys?.stop();
  doc.writeArtifact();
});

// ------------------------------------------------------------------------------------ gateway

/**
 * One kept-alive connection for every gateway case and the valid request after it, as a browser
 * or SDK keeps one. (With `Connection: close` the gateway closes the socket after an early 413
 * while the client may still be writing a 1 MB body; the client then got EPIPE instead of the 413
 * it had been sent. Kept alive, the server reads and discards the rest of the body instead.)
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const textOk = async (): Promise<string> => {
  const r = await postJson(`${url}/v1/search/text`, { query: 'a dog runs on the beach' }, { agent });
  return r.status === 200 && Array.isArray(r.json().results) ? '200' : outcomeOf(r);
};
const imageOk = async (): Promise<string> => {
  const r = await postForm(`${url}/v1/search/image`, [imagePart(img.samplePhoto('horse.jpg'))], { agent });
  return r.status === 200 && typeof r.json().caption === 'string' ? '200' : outcomeOf(r);
};

/** One gateway case: send, then a valid request of the same kind; record both. */
function gatewayCase(route: string, name: string, expected: string, send: () => Promise<HttpResponse>, next: 'text' | 'image') {
  it(`${route}: ${name} -> ${expected}`, async () => {
    const res = await send();
    const after = next === 'text' ? await textOk() : await imageOk();
    const want = `${expected}; next ${next} search ${'200'}`;
    const observed = `${outcomeOf(res)}; next ${next} search ${after}`;
    doc.record({ target: `gateway ${route}`, case: name, expected: want, observed, measured: `${Math.round(res.ms)} ms` });
    expect(observed).toBe(want);
  });
}

const SEARCH_IMAGE = 'POST /v1/search/image';
const CAPTIONS = 'POST /v1/captions';
const SEARCH_TEXT = 'POST /v1/search/text';

describe('through the gateway: uploads', () => {
  const upload = (route: string, data: Buffer | (() => Promise<Buffer>), filename = 'photo.jpg', type = 'image/jpeg') => async () =>
    postForm(`${url}${route === SEARCH_IMAGE ? '/v1/search/image' : '/v1/captions'}`, [
      imagePart(typeof data === 'function' ? await data() : data, filename, type),
    ], { agent });

  gatewayCase(SEARCH_IMAGE, 'zero-byte file', '415 unsupported_media_type', upload(SEARCH_IMAGE, Buffer.alloc(0)), 'image');
  gatewayCase(SEARCH_IMAGE, 'empty JPEG (start and end markers only)', '422 undecodable_image', upload(SEARCH_IMAGE, img.EMPTY_JPEG), 'image');
  gatewayCase(SEARCH_IMAGE, 'truncated JPEG (first 40 %)', '422 undecodable_image', upload(SEARCH_IMAGE, img.truncatedJpeg()), 'image');
  gatewayCase(SEARCH_IMAGE, 'corrupt JPEG (garbled Huffman tables)', '422 undecodable_image', upload(SEARCH_IMAGE, img.corruptJpeg()), 'image');
  gatewayCase(SEARCH_IMAGE, 'text file named photo.jpg', '415 unsupported_media_type', upload(SEARCH_IMAGE, img.TEXT_AS_JPEG), 'image');
  gatewayCase(
    SEARCH_IMAGE,
    'decompression bomb: 110 KB PNG declaring 30000x30000',
    '413 payload_too_large',
    upload(SEARCH_IMAGE, () => Promise.resolve(img.pngBomb()), 'bomb.png', 'image/png'),
    'image',
  );
  gatewayCase(CAPTIONS, 'decompression bomb: 110 KB PNG declaring 30000x30000', '413 payload_too_large', upload(CAPTIONS, () => Promise.resolve(img.pngBomb()), 'bomb.png', 'image/png'), 'image');
  gatewayCase(SEARCH_IMAGE, 'animated GIF (first frame is captioned)', '200', upload(SEARCH_IMAGE, img.animatedGif, 'anim.gif', 'image/gif'), 'image');
  gatewayCase(SEARCH_IMAGE, 'CMYK JPEG', '200', upload(SEARCH_IMAGE, img.cmykJpeg), 'image');
  gatewayCase(SEARCH_IMAGE, '16-bit PNG', '200', upload(SEARCH_IMAGE, img.png16, 'deep.png', 'image/png'), 'image');
  gatewayCase(SEARCH_IMAGE, 'SVG (with a script element)', '415 unsupported_media_type', upload(SEARCH_IMAGE, img.SVG, 'x.svg', 'image/svg+xml'), 'image');
  gatewayCase(CAPTIONS, 'SVG (with a script element)', '415 unsupported_media_type', upload(CAPTIONS, img.SVG, 'x.svg', 'image/svg+xml'), 'image');

  const fields = (n: number): Part[] => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, value: 'x' }));
  gatewayCase(
    SEARCH_IMAGE,
    'multipart with 30 parts (limit 9)',
    '413 payload_too_large',
    () => postForm(`${url}/v1/search/image`, [imagePart(img.samplePhoto()), ...fields(29)], { agent }),
    'image',
  );
  gatewayCase(SEARCH_IMAGE, 'multipart with no file', '400 invalid_request', () => postForm(`${url}/v1/search/image`, [{ name: 'k', value: '3' }], { agent }), 'image');
});

describe('through the gateway: JSON and queries', () => {
  const text = (body: unknown) => () => postJson(`${url}/v1/search/text`, body, { agent });
  gatewayCase(SEARCH_TEXT, 'invalid JSON (truncated object)', '400 invalid_request', text('{"query": "a dog",'), 'text');
  gatewayCase(SEARCH_TEXT, 'JSON nested 5000 levels deep (within 16 KB)', '400 invalid_request', text(`{"query":"a","k":${'['.repeat(5000)}${']'.repeat(5000)}}`), 'text');
  gatewayCase(SEARCH_TEXT, 'JSON body of 1 MB', '413 payload_too_large', text({ query: 'a dog', pad: 'x'.repeat(1 << 20) }), 'text');
  gatewayCase(SEARCH_TEXT, 'JSON with a prototype-polluting __proto__ key', '400 invalid_request', text('{"query":"a dog","__proto__":{"polluted":true}}'), 'text');
  gatewayCase(SEARCH_TEXT, 'empty query', '400 invalid_request', text({ query: '' }), 'text');
  gatewayCase(SEARCH_TEXT, 'whitespace-only query', '400 invalid_request', text({ query: ' \t\n\u00a0 ' }), 'text');
  gatewayCase(SEARCH_TEXT, 'query of 501 characters (limit 500)', '400 invalid_request', text({ query: 'a'.repeat(501) }), 'text');
  gatewayCase(SEARCH_TEXT, 'query of 1 MB', '413 payload_too_large', text({ query: 'dog '.repeat(1 << 18) }), 'text');
  gatewayCase(SEARCH_TEXT, 'query full of emoji (ZWJ sequences, skin tones)', '200', text({ query: '🐶🐕‍🦺 🏖️ dog 👍🏽 '.repeat(10) }), 'text');
  gatewayCase(SEARCH_TEXT, 'RTL text with bidi overrides', '200', text({ query: 'كلب يجري على الشاطئ \u202e dog \u202c כלב רץ' }), 'text');
  gatewayCase(SEARCH_TEXT, 'control characters (NUL, ESC, DEL, NEL, U+2028)', '200', text({ query: 'a\u0000b\u0001\u0007\u001b[31m dog\u007f\u0085\u2028' }), 'text');
  gatewayCase(SEARCH_TEXT, 'lone UTF-16 surrogate escape', '200', text('{"query":"dog \\ud800 cat"}'), 'text');
  gatewayCase(SEARCH_TEXT, 'k = 0', '400 invalid_request', text({ query: 'dog', k: 0 }), 'text');
  gatewayCase(SEARCH_TEXT, 'k = 51 (limit 50)', '400 invalid_request', text({ query: 'dog', k: 51 }), 'text');
  gatewayCase(SEARCH_TEXT, 'k = 1e300', '400 invalid_request', text({ query: 'dog', k: 1e300 }), 'text');
  gatewayCase(SEARCH_TEXT, 'k = 2.5', '400 invalid_request', text({ query: 'dog', k: 2.5 }), 'text');
  gatewayCase(SEARCH_TEXT, 'k = "5" (a string)', '400 invalid_request', text({ query: 'dog', k: '5' }), 'text');
  gatewayCase(SEARCH_TEXT, 'k = NaN (not JSON)', '400 invalid_request', text('{"query":"dog","k":NaN}'), 'text');
  gatewayCase(SEARCH_TEXT, 'threshold = 2', '400 invalid_request', text({ query: 'dog', threshold: 2 }), 'text');
  gatewayCase(SEARCH_TEXT, 'threshold = -1.5', '400 invalid_request', text({ query: 'dog', threshold: -1.5 }), 'text');
  gatewayCase(SEARCH_TEXT, 'threshold = "0.3" (a string)', '400 invalid_request', text({ query: 'dog', threshold: '0.3' }), 'text');
  gatewayCase(SEARCH_TEXT, 'mode = "semantic" (unknown)', '400 invalid_request', text({ query: 'dog', mode: 'semantic' }), 'text');

  const form = (k: string, threshold: string) => () =>
    postForm(`${url}/v1/search/image`, [imagePart(img.samplePhoto()), { name: 'k', value: k }, { name: 'threshold', value: threshold }], { agent });
  gatewayCase(SEARCH_IMAGE, 'form k = "NaN"', '400 invalid_request', form('NaN', '0'), 'image');
  gatewayCase(SEARCH_IMAGE, 'form k = "abc"', '400 invalid_request', form('abc', '0'), 'image');
  gatewayCase(SEARCH_IMAGE, 'form threshold = "NaN"', '400 invalid_request', form('3', 'NaN'), 'image');
  gatewayCase(SEARCH_IMAGE, 'form threshold = "Infinity"', '400 invalid_request', form('3', 'Infinity'), 'image');
});

// ------------------------------------------------------------------------------------ gRPC

/** `OK` or `<CODE>`, plus whether the message names `mentions`, plus the follow-up call's outcome. */
function grpcObserved(o: CallOutcome<unknown>, mentions: string | undefined, next: CallOutcome<unknown>): string {
  const named = mentions === undefined ? '' : o.details.includes(mentions) ? `, names ${mentions}` : `, does not name ${mentions} ("${o.details.slice(0, 80)}")`;
  return `${o.code}${o.kind === 'too_large' ? ' (too_large)' : ''}${named}; next call ${next.code}`;
}

function grpcCase(target: string, name: string, expected: string, mentions: string | undefined, send: () => Promise<unknown>, next: () => Promise<unknown>) {
  it(`${target}: ${name} -> ${expected}`, async () => {
    const o = await outcome(send);
    const n = await outcome(next);
    const want = `${expected}${mentions === undefined ? '' : `, names ${mentions}`}; next call OK`;
    const observed = grpcObserved(o, mentions, n);
    doc.record({ target, case: name, expected: want, observed, measured: `${Math.round(o.ms)} ms` });
    expect(observed).toBe(want);
  });
}

describe('directly on the embedder (gRPC)', () => {
  const T = 'embedder gRPC Embed';
  const embed = (req: { texts: string[]; model?: string }) => () => grpcs.embed({ model: '', ...req }, 5000);
  const ok = async () => {
    const r = await grpcs.embed({ texts: ['a dog'], model: '' }, 5000);
    if (r.count !== 1) throw new Error('no vector');
  };
  grpcCase(T, 'no texts', 'OK', undefined, embed({ texts: [] }), ok);
  grpcCase(T, 'one empty text', 'OK', undefined, embed({ texts: [''] }), ok);
  grpcCase(T, 'emoji, RTL, control characters, lone surrogate', 'OK', undefined, embed({ texts: ['🐶🐕‍🦺 \u202e כלב \u0000\u001b', 'dog \ud800 cat'] }), ok);
  grpcCase(T, 'a text of 1 MB', 'INVALID_ARGUMENT', 'EMBEDDER_MAX_CHARS', embed({ texts: ['x'.repeat(1 << 20)] }), ok);
  grpcCase(T, '513 texts in one call', 'INVALID_ARGUMENT', 'EMBEDDER_MAX_TEXTS', embed({ texts: Array<string>(513).fill('a') }), ok);
  grpcCase(T, 'unknown model', 'NOT_FOUND', undefined, embed({ texts: ['a'], model: 'nope/nope' }), ok);
  grpcCase(T, 'model name of 100 KB', 'NOT_FOUND', undefined, embed({ texts: ['a'], model: 'm'.repeat(100_000) }), ok);
  grpcCase(T, 'bytes that are not a protobuf message', 'INTERNAL', 'deserializing', () => rawCall(sys.env.EMBEDDER_ADDR as string, '/embedder.v1.EmbedderService/Embed', NOT_PROTOBUF), ok);
});

describe('directly on the captioner (gRPC)', () => {
  const T = 'captioner gRPC Caption';
  const caption = (image: Buffer | (() => Promise<Buffer>), extra: Record<string, unknown> = {}) => async () =>
    grpcs.caption({ image: typeof image === 'function' ? await image() : image, model: '', ...extra }, 20_000);
  const ok = async () => {
    const r = await grpcs.caption({ image: img.saltedPhoto(String(Math.random())), model: '' }, 20_000);
    if (!r.caption) throw new Error('no caption');
  };
  grpcCase(T, 'zero bytes', 'INVALID_ARGUMENT', 'empty', caption(Buffer.alloc(0)), ok);
  grpcCase(T, 'text bytes', 'INVALID_ARGUMENT', 'accepted formats', caption(img.TEXT_AS_JPEG), ok);
  grpcCase(T, 'SVG', 'INVALID_ARGUMENT', 'svg', caption(img.SVG), ok);
  grpcCase(T, 'truncated JPEG', 'INVALID_ARGUMENT', 'truncated', caption(img.truncatedJpeg()), ok);
  grpcCase(T, 'corrupt JPEG', 'INVALID_ARGUMENT', undefined, caption(img.corruptJpeg()), ok);
  grpcCase(T, 'decompression bomb 30000x30000', 'RESOURCE_EXHAUSTED (too_large)', 'CAPTIONER_MAX_PIXELS', caption(() => Promise.resolve(img.pngBomb())), ok);
  grpcCase(T, 'animated GIF', 'OK', undefined, caption(img.animatedGif), ok);
  grpcCase(T, 'CMYK JPEG', 'OK', undefined, caption(img.cmykJpeg), ok);
  grpcCase(T, '16-bit PNG', 'OK', undefined, caption(img.png16), ok);
  grpcCase(T, 'num_beams = 1000', 'INVALID_ARGUMENT', 'CAPTIONER_MAX_BEAMS', caption(img.samplePhoto(), { options: { numBeams: 1000 } }), ok);
  grpcCase(T, 'max_new_tokens = 1000000', 'INVALID_ARGUMENT', 'CAPTIONER_MAX_NEW_TOKENS', caption(img.samplePhoto(), { options: { maxNewTokens: 1_000_000 } }), ok);
  grpcCase(T, 'repetition_penalty = NaN', 'INVALID_ARGUMENT', 'repetition_penalty', caption(img.samplePhoto(), { options: { repetitionPenalty: NaN } }), ok);
  grpcCase(T, 'model name of 100 KB', 'NOT_FOUND', undefined, caption(img.samplePhoto(), { model: 'm'.repeat(100_000) }), ok);
  grpcCase(T, 'bytes that are not a protobuf message', 'INTERNAL', 'deserializing', () => rawCall(sys.env.CAPTIONER_ADDR as string, '/captioner.v1.CaptionerService/Caption', NOT_PROTOBUF), ok);
});

describe('directly on the search service (gRPC)', () => {
  const T = 'search gRPC';
  const vector = (fill: (i: number) => number, dims = dimensions) => {
    const b = Buffer.alloc(dims * 4);
    for (let i = 0; i < dims; i++) b.writeFloatLE(fill(i), i * 4);
    return b;
  };
  // Fields are built when the case runs (the model's dimensions are known only then).
  const query = (req: () => Record<string, unknown>) => () =>
    grpcs.query({ vector: vector((i) => (i === 0 ? 1 : 0)), model, k: 3, ...req() }, 5000);
  const ok = async () => {
    const r = await grpcs.query({ vector: vector((i) => (i === 0 ? 1 : 0)), model, k: 3 }, 5000);
    if (r.hits.length !== 3) throw new Error('no hits');
  };
  grpcCase(`${T} Query`, 'vector of 3 bytes', 'INVALID_ARGUMENT', 'float32', query(() => ({ vector: Buffer.alloc(3) })), ok);
  grpcCase(`${T} Query`, 'vector of NaN', 'INVALID_ARGUMENT', 'non-finite', query(() => ({ vector: vector(() => NaN) })), ok);
  grpcCase(`${T} Query`, 'vector of ±Infinity', 'INVALID_ARGUMENT', 'non-finite', query(() => ({ vector: vector((i) => (i % 2 ? Infinity : -Infinity)) })), ok);
  grpcCase(`${T} Query`, 'vector with 2 dimensions', 'FAILED_PRECONDITION', 'dimensions', query(() => ({ vector: vector(() => 0.5, 2) })), ok);
  grpcCase(`${T} Query`, 'k = 0', 'INVALID_ARGUMENT', 'k must be', query(() => ({ k: 0 })), ok);
  grpcCase(`${T} Query`, 'k = 2147483647', 'INVALID_ARGUMENT', 'k must be', query(() => ({ k: 2_147_483_647 })), ok);
  grpcCase(`${T} Query`, 'threshold = NaN', 'INVALID_ARGUMENT', 'threshold', query(() => ({ threshold: NaN })), ok);
  grpcCase(`${T} Query`, 'hybrid query text of 1 MB', 'INVALID_ARGUMENT', 'limit', query(() => ({ text: 'x'.repeat(1 << 20), mode: 'MODE_HYBRID' })), ok);
  grpcCase(`${T} Query`, 'lexical query of emoji and control characters', 'OK', undefined, query(() => ({ text: '\u0000\u202e🐶 dog', mode: 'MODE_LEXICAL' })), ok);
  grpcCase(`${T} Query`, 'unknown mode number 99', 'INVALID_ARGUMENT', 'mode', query(() => ({ mode: 99 })), ok);
  grpcCase(`${T} Query`, '5000 excluded image ids', 'INVALID_ARGUMENT', 'exclusions', query(() => ({ excludeImageIds: Array<string>(5000).fill('a') })), ok);
  grpcCase(`${T} GetImage`, 'image id ../../etc/passwd', 'NOT_FOUND', undefined, () => grpcs.getImage({ imageId: '../../etc/passwd' }, 5000), ok);
  grpcCase(`${T} GetImage`, 'image id of 100 KB', 'NOT_FOUND', undefined, () => grpcs.getImage({ imageId: 'i'.repeat(100_000) }, 5000), ok);
  grpcCase(`${T} Commit`, 'generation id of 100 KB', 'NOT_FOUND', undefined, () => grpcs.commit({ generationId: 'g'.repeat(100_000) }, 5000), ok);
  grpcCase(`${T} BeginGeneration`, 'dimensions = 0', 'INVALID_ARGUMENT', 'dimensions', () => grpcs.beginGeneration({ model: 'm', dimensions: 0, dataset: '', buildKey: '' }, 5000), ok);
  grpcCase(`${T} Query`, 'bytes that are not a protobuf message', 'INTERNAL', 'deserializing', () => rawCall(sys.env.SEARCH_ADDR as string, '/search.v1.SearchService/Query', NOT_PROTOBUF), ok);
});

describe('the indexer (a job is its input)', () => {
  it('a job naming a folder that is not a dataset fails with the reason; the next job completes', async () => {
    const queue = openReindexQueue(sys.env.REDIS_URL as string, { prefix: sys.env.QUEUE_PREFIX as string });
    try {
      const waitDone = async (jobId: string): Promise<ReindexJobView | undefined> => {
        let v: ReindexJobView | undefined;
        await waitFor(`job ${jobId}`, async () => {
          v = await getReindexJob(queue, jobId);
          return v?.state === 'completed' || v?.state === 'failed';
        }, 45_000);
        return v;
      };
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-not-a-dataset-'));
      fs.writeFileSync(path.join(empty, 'captions.txt'), 'image,caption\n"unterminated,\n');
      const bad = await waitDone((await enqueueReindex(queue, { dataset: empty, requestedBy: 'reliability' })).jobId);
      const good = await waitDone((await enqueueReindex(queue, { dataset: img.SAMPLE_DIR, requestedBy: 'reliability' })).jobId);
      const observed = `${bad?.state}${bad?.error ? ' with a reason' : ' without a reason'}; next job ${good?.state}`;
      const expected = 'failed with a reason; next job completed';
      doc.record({ target: 'indexer (BullMQ job)', case: 'dataset folder with a broken captions.txt and no images', expected, observed, measured: bad?.error?.slice(0, 120) });
      expect(observed).toBe(expected);
      fs.rmSync(empty, { recursive: true, force: true });
    } finally {
      await queue.close();
    }
  });
});

describe('afterwards', () => {
  it('every process is still up and the gateway is ready', async () => {
    const alive = (['search', 'embedder', 'captioner', 'indexer', 'gateway'] as const).filter((n) => {
      const pid = sys.system.pid(n);
      if (!pid) return false;
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    const ready = await waitReady(url, 10_000).then(
      () => 'ready',
      () => 'not ready',
    );
    const observed = `${alive.length}/5 processes alive, gateway ${ready}`;
    doc.record({ target: 'all processes', case: 'after every case above', expected: '5/5 processes alive, gateway ready', observed });
    expect(observed).toBe('5/5 processes alive, gateway ready');
  });

  it('docs/reliability.md matches what this run observed', () => {
    expect(doc.check()).toBeUndefined();
  });
});
