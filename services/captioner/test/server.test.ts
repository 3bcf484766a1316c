/**
 * The captioner's gRPC server on 127.0.0.1:0 with a real client: every accepted format, each
 * limit and refused format (the server keeps serving afterwards), the cache, model info, dynamic
 * batching and the queue limit.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { status, type ServiceError, type Server } from '@grpc/grpc-js';
import sharp from 'sharp';
import { bindServer, checkHealth, createClient, loadCaptionerProto, unaryCall, createLogger, type Health } from '@tit/kit';
import type { CaptionerServiceClient } from '@tit/kit/src/generated/captioner/v1/CaptionerService';
import type { CaptionRequest } from '@tit/kit/src/generated/captioner/v1/CaptionRequest';
import type { CaptionResponse__Output } from '@tit/kit/src/generated/captioner/v1/CaptionResponse';
import { Captioner } from '../src/domain/captioner';
import { locateModelFiles } from '../src/domain/model-loader';
import { buildServer, CAPTIONER_SERVICE } from '../src/server';
import { BEAM_CAPTION, BLIP_MODEL_ID, GREEDY_CAPTION, VIT_GPT2_MODEL_ID, buildTableModel, removeDir, tempDir, testOptions, tinyModelsDir } from './support/models';

const PHOTOS = path.join(__dirname, 'fixtures/photos');
const JPEG = fs.readFileSync(path.join(PHOTOS, 'coffee-exif6.jpg'));
const PNG = fs.readFileSync(path.join(PHOTOS, 'chelsea-alpha.png'));
const ASTRONAUT = fs.readFileSync(path.join(PHOTOS, 'astronaut.jpg'));
const TABLE = 'test/table';
const MAX_BYTES = 120_000;
const MAX_PIXELS = 1_000_000;
const log = createLogger('captioner-test', 'silent');

interface Running {
  server: Server;
  health: Health;
  captioner: Captioner;
  client: CaptionerServiceClient;
  port: number;
}

async function serve(modelsDir: string, ids: string[], over: Parameters<typeof testOptions>[0] = {}): Promise<Running> {
  const captioner = new Captioner(
    ids.map((id) => locateModelFiles(modelsDir, id)),
    testOptions({ limits: { maxBytes: MAX_BYTES, maxPixels: MAX_PIXELS }, ...over }),
  );
  const { server, health } = buildServer({ log, captioner });
  const port = await bindServer(server, '127.0.0.1', 0);
  const client = createClient(loadCaptionerProto().captioner.v1.CaptionerService, `127.0.0.1:${port}`);
  return { server, health, captioner, client, port };
}

async function stop(r: Running | undefined): Promise<void> {
  if (!r) return;
  r.client.close();
  await new Promise<void>((resolve) => r.server.tryShutdown(() => resolve()));
  await r.captioner.close();
}

function caption(r: Running, req: CaptionRequest, deadline = 20_000): Promise<CaptionResponse__Output> {
  return unaryCall(r.client, r.client.caption.bind(r.client), req, { deadline });
}

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('the call succeeded');
}

/** A PNG whose header claims width x height but carries no pixel data (a decompression bomb's header). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(8)), chunk('IEND', Buffer.alloc(0))]);
}

describe('captioner gRPC server', () => {
  let root: string;
  let r: Running;

  beforeAll(async () => {
    const tiny = await tinyModelsDir();
    root = tempDir('server');
    for (const id of [BLIP_MODEL_ID, VIT_GPT2_MODEL_ID]) {
      fs.mkdirSync(path.dirname(path.join(root, id)), { recursive: true });
      fs.symlinkSync(path.join(tiny, id), path.join(root, id));
    }
    buildTableModel(path.join(root, TABLE), ['merged']);
    r = await serve(root, [BLIP_MODEL_ID, VIT_GPT2_MODEL_ID, TABLE], { batch: { maxBatch: 8, maxWaitMs: 25 } });
  });
  afterAll(async () => {
    await stop(r);
    removeDir(root);
  });

  it('is NOT_SERVING until the models are loaded and warmed up, then SERVING', async () => {
    const target = `127.0.0.1:${r.port}`;
    expect(await checkHealth(target, CAPTIONER_SERVICE)).toBe('NOT_SERVING');
    const early = await failure(caption(r, { image: JPEG, model: TABLE }));
    expect(early.code).toBe(status.UNAVAILABLE);
    await r.captioner.start();
    r.health.set('SERVING'); // what runGrpcService does after warmUp
    expect(await checkHealth(target, CAPTIONER_SERVICE)).toBe('SERVING');
  });

  it('lists both models with their layouts and defaults; the first is the default', async () => {
    const list = await unaryCall(r.client, r.client.listModels.bind(r.client), {}, { deadline: 5000 });
    expect(list.models.map((m) => [m.id, m.decoderLayout, m.imageSize, m.isDefault])).toEqual([
      [BLIP_MODEL_ID, 'merged-with-past', 64, true],
      [VIT_GPT2_MODEL_ID, 'merged-with-past', 224, false],
      [TABLE, 'merged-with-past', 32, false],
    ]);
    // The ViT-GPT2 fixture's generation_config.json: max_length 16, num_beams 4.
    expect(list.models[1].defaults).toMatchObject({ maxNewTokens: 15, numBeams: 4, minNewTokens: 0, noRepeatNgramSize: 0 });
    const info = await unaryCall(r.client, r.client.getModelInfo.bind(r.client), { model: '' }, { deadline: 5000 });
    expect(info.id).toBe(BLIP_MODEL_ID);
    const missing = await failure(unaryCall(r.client, r.client.getModelInfo.bind(r.client), { model: 'nope/nope' }, { deadline: 5000 }));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.details).toContain(BLIP_MODEL_ID);
  });

  it('captions with the default model and reports tokens, timings and the content hash', async () => {
    const res = await caption(r, { image: JPEG, options: { minNewTokens: 3, maxNewTokens: 5 } });
    expect(res.model).toBe(BLIP_MODEL_ID);
    expect(res.tokenCount).toBe(5);
    expect(res.caption.length).toBeGreaterThan(0);
    expect(res.contentHash).toBe(createHash('sha256').update(JPEG).digest('hex'));
    expect(res.cached).toBe(false);
    const t = res.timings!;
    for (const v of [t.decodeMs, t.preprocessMs, t.encodeMs, t.generateMs]) expect(v).toBeGreaterThan(0);
    const vit = await caption(r, { image: JPEG, model: VIT_GPT2_MODEL_ID, options: { minNewTokens: 2, maxNewTokens: 2, numBeams: 2 } });
    expect([vit.model, vit.tokenCount]).toEqual([VIT_GPT2_MODEL_ID, 2]);
  });

  it('gives the constructed decoder its known greedy and beam captions', async () => {
    expect((await caption(r, { image: PNG, model: TABLE, options: { numBeams: 1 } })).caption).toBe(GREEDY_CAPTION);
    expect((await caption(r, { image: PNG, model: TABLE, options: { numBeams: 2 } })).caption).toBe(BEAM_CAPTION);
  });

  it('answers an identical image with the same model and options from the cache', async () => {
    const img = await sharp(ASTRONAUT).rotate(90).jpeg().toBuffer();
    const first = await caption(r, { image: img, model: TABLE });
    const again = await caption(r, { image: img, model: TABLE });
    expect(again).toMatchObject({ caption: first.caption, cached: true, contentHash: first.contentHash });
    expect(again.timings).toEqual({ decodeMs: 0, preprocessMs: 0, encodeMs: 0, generateMs: 0 });
    const otherOptions = await caption(r, { image: img, model: TABLE, options: { numBeams: 2 } });
    expect(otherOptions.cached).toBe(false);
    const otherModel = await caption(r, { image: img, model: BLIP_MODEL_ID, options: { maxNewTokens: 1 } });
    expect(otherModel.cached).toBe(false);
  });

  it.each([
    ['JPEG (EXIF orientation 6)', () => Promise.resolve(JPEG)],
    ['PNG with alpha', () => Promise.resolve(PNG)],
    ['WebP', () => sharp(ASTRONAUT).webp().toBuffer()],
    ['GIF (animated, first frame)', () => sharp(ASTRONAUT).resize(64, 64).gif().toBuffer()],
    ['TIFF', () => sharp(ASTRONAUT).resize(64, 64).tiff().toBuffer()],
    ['AVIF', () => sharp(ASTRONAUT).resize(64, 64).avif({ effort: 0 }).toBuffer()],
  ])('accepts %s', async (_name, make) => {
    const res = await caption(r, { image: await make(), model: TABLE });
    expect(res.caption).toBe(GREEDY_CAPTION);
  });

  describe('limits and refused formats (each on the live server, which keeps serving)', () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>');
    const ppm = Buffer.concat([Buffer.from('P6\n2 2\n255\n'), Buffer.alloc(12, 200)]);
    // A 1x1 24-bit BMP.
    const bmp = Buffer.from('424d3a0000000000000036000000280000000100000001000000010018000000000004000000130b0000130b00000000000000000000ff000000', 'hex');
    const cases: [string, () => Promise<Buffer>, status, RegExp][] = [
      ['more bytes than CAPTIONER_MAX_BYTES', () => Promise.resolve(Buffer.concat([JPEG, Buffer.alloc(MAX_BYTES)])), status.RESOURCE_EXHAUSTED, /CAPTIONER_MAX_BYTES.*120000/],
      ['a decompression bomb header (30000x30000) over CAPTIONER_MAX_PIXELS', () => Promise.resolve(pngHeaderOnly(30_000, 30_000)), status.RESOURCE_EXHAUSTED, /30000x30000.*CAPTIONER_MAX_PIXELS.*1000000/],
      ['a real image over CAPTIONER_MAX_PIXELS', () => sharp({ create: { width: 1200, height: 1000, channels: 3, background: 'gray' } }).png().toBuffer(), status.RESOURCE_EXHAUSTED, /CAPTIONER_MAX_PIXELS/],
      ['SVG', () => Promise.resolve(svg), status.INVALID_ARGUMENT, /unsupported image format svg; accepted formats: JPEG, PNG, WebP, GIF \(first frame\), TIFF, AVIF/],
      ['PPM', () => Promise.resolve(ppm), status.INVALID_ARGUMENT, /image format not recognised; accepted formats: JPEG, PNG/],
      ['BMP', () => Promise.resolve(bmp), status.INVALID_ARGUMENT, /image format not recognised; accepted formats: JPEG, PNG/],
      ['random bytes', () => Promise.resolve(Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 37) % 256))), status.INVALID_ARGUMENT, /not recognised; accepted formats/],
      ['an empty image', () => Promise.resolve(Buffer.alloc(0)), status.INVALID_ARGUMENT, /empty/],
      ['a truncated PNG', () => Promise.resolve(PNG.subarray(0, 2000)), status.INVALID_ARGUMENT, /corrupt or truncated/],
    ];
    it.each(cases)('refuses %s', async (_name, make, code, message) => {
      const err = await failure(caption(r, { image: await make(), model: TABLE }));
      expect({ code: err.code, details: err.details }).toEqual({ code, details: expect.stringMatching(message) });
      expect((await caption(r, { image: PNG, model: TABLE })).caption).toBe(GREEDY_CAPTION);
    });

    it.each([
      [{ numBeams: 9 }, /num_beams must be an integer from 1 to 4 \(CAPTIONER_MAX_BEAMS\)/],
      [{ maxNewTokens: 0 }, /max_new_tokens must be an integer from 1 to 24 \(CAPTIONER_MAX_NEW_TOKENS\)/],
      [{ maxNewTokens: 5, minNewTokens: 6 }, /min_new_tokens must be an integer from 0 to 5/],
      [{ repetitionPenalty: -1 }, /repetition_penalty must be > 0/],
      [{ noRepeatNgramSize: 99 }, /no_repeat_ngram_size/],
    ])('refuses options %j', async (options, message) => {
      const err = await failure(caption(r, { image: PNG, model: TABLE, options }));
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toMatch(message);
    });

    it('refuses an unknown model with NOT_FOUND', async () => {
      const err = await failure(caption(r, { image: PNG, model: 'nope/nope' }));
      expect(err.code).toBe(status.NOT_FOUND);
    });

    it('is still SERVING after all of that', async () => {
      expect(await checkHealth(`127.0.0.1:${r.port}`, CAPTIONER_SERVICE)).toBe('SERVING');
    });
  });

  it('runs the encoder once for concurrent requests (dynamic batching)', async () => {
    const images = await Promise.all([70, 75, 80, 85, 90].map((q) => sharp(ASTRONAUT).jpeg({ quality: q }).toBuffer()));
    const before = r.captioner.stats().encoderBatches[TABLE].length;
    const results = await Promise.all(images.map((image) => caption(r, { image, model: TABLE })));
    expect(results.map((x) => x.caption)).toEqual(images.map(() => GREEDY_CAPTION));
    const batches = r.captioner.stats().encoderBatches[TABLE].slice(before);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(5);
    expect(Math.max(...batches)).toBeGreaterThan(1);
  });
});

describe('queue limit', () => {
  let root: string;
  let r: Running | undefined;

  beforeAll(async () => {
    root = tempDir('queue');
    buildTableModel(path.join(root, TABLE), ['merged']);
    r = await serve(root, [TABLE], { queueLimit: 1, cacheSize: 0 });
    await r.captioner.start();
  });
  afterAll(async () => {
    await stop(r);
    removeDir(root);
  });

  it('refuses work past CAPTIONER_QUEUE_LIMIT with RESOURCE_EXHAUSTED and recovers', async () => {
    const run = r as Running;
    const images = await Promise.all([60, 65, 70, 75, 80, 85].map((q) => sharp(ASTRONAUT).jpeg({ quality: q }).toBuffer()));
    const outcomes = await Promise.allSettled(images.map((image) => caption(run, { image, model: TABLE })));
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as ServiceError);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(images.length);
    for (const e of refused) expect([e.code, e.details]).toEqual([status.RESOURCE_EXHAUSTED, expect.stringContaining('CAPTIONER_QUEUE_LIMIT 1')]);
    expect((await caption(run, { image: images[0], model: TABLE })).caption).toBe(GREEDY_CAPTION);
  });
});
