import path from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { bindServer, checkHealth, createClient, createLogger, loadEmbedderProto, unaryCall } from '@tit/kit';
import type { EmbedResponse__Output } from '@tit/kit/src/generated/embedder/v1/EmbedResponse';
import { Embedder } from '../src/domain/embedder';
import { readModelSpec } from '../src/domain/model-files';
import { buildServer, EMBEDDER_SERVICE } from '../src/server';
import { MINILM_MODEL_ID, tinyModelsDir, variantOf, writeJson } from './helpers/fixture-models';

const log = createLogger('embedder-test', 'silent');
const threads = { intraOp: 1, interOp: 1 };

function vectorsOf(res: EmbedResponse__Output): Float32Array[] {
  const all = new Float32Array(res.vectors.buffer.slice(res.vectors.byteOffset, res.vectors.byteOffset + res.vectors.byteLength));
  return Array.from({ length: res.count }, (_, i) => all.subarray(i * res.dimensions, (i + 1) * res.dimensions));
}

async function expectCode(p: Promise<unknown>, code: status, message: RegExp): Promise<void> {
  const err: ServiceError | undefined = await p.then(
    () => undefined,
    (e: ServiceError) => e,
  );
  expect(err).toBeDefined();
  expect({ code: err!.code, details: err!.details }).toEqual({ code, details: expect.stringMatching(message) });
}

/** A real server on 127.0.0.1:0 with a real client. */
async function startServer(embedder: Embedder) {
  const { server, health } = buildServer({ log, embedder });
  const port = await bindServer(server, '127.0.0.1', 0);
  const target = `127.0.0.1:${port}`;
  const client = createClient(loadEmbedderProto().embedder.v1.EmbedderService, target);
  return {
    server,
    health,
    target,
    client,
    embed: (texts: string[], model = '') => unaryCall(client, client.embed.bind(client), { texts, model }, { deadline: 10_000 }),
    stop: async () => {
      client.close();
      await new Promise<void>((r) => server.tryShutdown(() => r()));
      await embedder.close();
    },
  };
}

describe('embedder gRPC server', () => {
  const fx = tinyModelsDir();
  variantOf(fx.modelDir, fx.modelsDir, 'test/cls-raw', (dir) => {
    writeJson(path.join(dir, '1_Pooling/config.json'), { word_embedding_dimension: 32, pooling_mode_cls_token: true });
    writeJson(path.join(dir, 'modules.json'), [
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ]);
  });
  const specs = [MINILM_MODEL_ID, 'test/cls-raw'].map((id) => readModelSpec(fx.modelsDir, id, 'model.onnx'));
  const embedder = new Embedder(specs, { maxTexts: 8, maxChars: 100 }, { maxBatch: 8, maxBatchTokens: 4096, maxWaitMs: 2, queueLimit: 64 }, threads);
  let srv: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    srv = await startServer(embedder);
  });
  afterAll(async () => {
    await srv.stop();
    fx.cleanup();
  });

  it('is NOT_SERVING and refuses calls until the models are loaded and warmed up', async () => {
    expect(await checkHealth(srv.target, EMBEDDER_SERVICE)).toBe('NOT_SERVING');
    await expectCode(srv.embed(['a dog']), status.UNAVAILABLE, /loading/);
    await embedder.start();
    srv.health.set('SERVING');
    expect(await checkHealth(srv.target, EMBEDDER_SERVICE)).toBe('SERVING');
  });

  it('embeds a batch of texts into packed unit vectors in request order', async () => {
    const texts = ['a dog runs on the beach', 'two girls play', '', 'A dog runs on the beach!'];
    const res = await srv.embed(texts);
    expect(res).toMatchObject({ count: 4, dimensions: 32, model: MINILM_MODEL_ID, tokenCounts: [8, 5, 2, 9] });
    expect(res.vectors.byteLength).toBe(4 * 32 * 4);
    const v = vectorsOf(res);
    for (const x of v) expect(Math.hypot(...x)).toBeCloseTo(1, 5);
    // Row i is texts[i]: the same text alone gives row 1.
    const alone = vectorsOf(await srv.embed(['two girls play']))[0];
    alone.forEach((x, i) => expect(x).toBeCloseTo(v[1][i], 5));
  });

  it('answers an empty call with no vectors', async () => {
    await expect(srv.embed([])).resolves.toMatchObject({ count: 0, dimensions: 32, tokenCounts: [] });
  });

  it('serves several models side by side, chosen by name', async () => {
    const res = await srv.embed(['a dog'], 'test/cls-raw');
    expect(res).toMatchObject({ model: 'test/cls-raw', count: 1 });
    expect(Math.abs(Math.hypot(...vectorsOf(res)[0]) - 1)).toBeGreaterThan(1e-3); // no Normalize module
    await expectCode(srv.embed(['a dog'], 'org/unknown'), status.NOT_FOUND, /org\/unknown.*served: .*all-MiniLM-L6-v2/);
  });

  it('describes the default model and any model by name', async () => {
    const info = await unaryCall(srv.client, srv.client.getModelInfo.bind(srv.client), { model: '' }, { deadline: 5000 });
    expect(info).toEqual({ id: MINILM_MODEL_ID, dimensions: 32, maxTokens: 256, pooling: 'mean', normalized: true, isDefault: true });
    const other = await unaryCall(srv.client, srv.client.getModelInfo.bind(srv.client), { model: 'test/cls-raw' }, { deadline: 5000 });
    expect(other).toMatchObject({ id: 'test/cls-raw', pooling: 'cls', normalized: false, isDefault: false });
    await expectCode(unaryCall(srv.client, srv.client.getModelInfo.bind(srv.client), { model: 'x/y' }, { deadline: 5000 }), status.NOT_FOUND, /x\/y/);
  });

  it('lists every served model with exactly one default', async () => {
    const { models } = await unaryCall(srv.client, srv.client.listModels.bind(srv.client), {}, { deadline: 5000 });
    expect(models.map((m) => [m.id, m.isDefault])).toEqual([
      [MINILM_MODEL_ID, true],
      ['test/cls-raw', false],
    ]);
  });

  it('refuses too many texts with INVALID_ARGUMENT naming the limit', async () => {
    await expectCode(srv.embed(Array.from({ length: 9 }, () => 'x')), status.INVALID_ARGUMENT, /9 .*limit is 8 \(EMBEDDER_MAX_TEXTS\)/);
  });

  it('refuses a too long text with INVALID_ARGUMENT naming the limit', async () => {
    await expectCode(srv.embed(['ok', 'x'.repeat(101)]), status.INVALID_ARGUMENT, /text 1 .*101 characters.*100 .*EMBEDDER_MAX_CHARS/);
    await expect(srv.embed(['x'.repeat(100)])).resolves.toMatchObject({ count: 1 });
  });
});

describe('embedder gRPC server under an overfull queue', () => {
  const fx = tinyModelsDir();
  const spec = readModelSpec(fx.modelsDir, MINILM_MODEL_ID, 'model.onnx');
  // One text per run and room for one call in the queue: concurrent calls must overflow it.
  const embedder = new Embedder([spec], { maxTexts: 8, maxChars: 10_000 }, { maxBatch: 1, maxBatchTokens: 4096, maxWaitMs: 0, queueLimit: 8 }, threads);
  let srv: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    srv = await startServer(embedder);
    await embedder.start();
  });
  afterAll(async () => {
    await srv.stop();
    fx.cleanup();
  });

  it('fails fast with RESOURCE_EXHAUSTED naming the queue limit, and keeps serving', async () => {
    const long = 'a dog runs along the beach while children play '.repeat(30);
    const calls = Array.from({ length: 6 }, () => srv.embed(Array.from({ length: 8 }, () => long)));
    const settled = await Promise.allSettled(calls);
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as ServiceError);
    const ok = settled.filter((s) => s.status === 'fulfilled');
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    for (const e of rejected) {
      expect(e.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(e.details).toMatch(/queue limit of 8 \(EMBEDDER_QUEUE_LIMIT\)/);
    }
    await expect(srv.embed(['still serving'])).resolves.toMatchObject({ count: 1 });
  });
});
