import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { EmbeddingModel } from '../src/domain/embedding-model';
import { readModelSpec } from '../src/domain/model-files';
import { OnnxEncoder, sessionLayout } from '../src/domain/onnx-encoder';
import { pool } from '../src/domain/pooling';
import { padBatch } from '../src/domain/text-tokenizer';
import { MINILM_MODEL_ID, tinyModelsDir, variantOf, writeJson } from './helpers/fixture-models';

const threads = { intraOp: 1, interOp: 1 };
const limits = { maxBatch: 16, maxBatchTokens: 4096, maxWaitMs: 1, queueLimit: 1000 };
const norm = (v: Float32Array): number => Math.hypot(...v);
const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('EmbeddingModel on the tiny all-MiniLM-L6-v2 fixture', () => {
  const fx = tinyModelsDir();
  const spec = readModelSpec(fx.modelsDir, MINILM_MODEL_ID, 'model.onnx');
  let model: EmbeddingModel;
  beforeAll(async () => {
    model = await EmbeddingModel.load(spec, threads, limits);
  });
  afterAll(async () => {
    await model.close();
    fx.cleanup();
  });

  it('describes itself from the model files', () => {
    expect(model.description).toEqual({ id: MINILM_MODEL_ID, dimensions: 32, maxTokens: 256, pooling: 'mean', normalized: true });
  });

  it('returns unit-length vectors of the model dimension, with token counts', async () => {
    const out = await model.embed(['a dog runs on the beach', '', 'Two children play football in a park.']);
    expect(out.tokenCounts).toEqual([8, 2, 10]);
    for (const v of out.vectors) {
      expect(v).toHaveLength(32);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('gives a text the same vector alone and padded inside a batch run (within 1e-5)', async () => {
    // At the run level, so the run planner cannot regroup: 'a dog' is padded from 4 to 20+ tokens.
    const encoder = await OnnxEncoder.create(spec.onnxPath, threads);
    try {
      const long = model.tokenizer.encode('A very long sentence about a man riding a bicycle down a steep hill next to the river.');
      const short = model.tokenizer.encode('a dog');
      const batch = await encoder.run(padBatch([long, short], model.tokenizer.padId));
      expect(batch.seqLen).toBe(long.length);
      const padded = pool(batch, 'mean', true).subarray(32, 64);
      const alone = pool(await encoder.run(padBatch([short], model.tokenizer.padId)), 'mean', true);
      expect(maxDiff(alone, padded)).toBeLessThan(1e-5);
      expect(maxDiff(alone, pool(batch, 'mean', true).subarray(0, 32))).toBeGreaterThan(1e-3);
    } finally {
      await encoder.release();
    }
  });

  it('gives a text the same vector alone and inside a batch call (within 1e-5)', async () => {
    const text = 'a dog';
    const [alone] = (await model.embed([text])).vectors;
    const batch = await model.embed([
      'A very long sentence about a man riding a bicycle down a steep hill next to the river.',
      text,
      'two people',
    ]);
    expect(maxDiff(alone, batch.vectors[1])).toBeLessThan(1e-5);
    // And the batch really was padded around it, with different neighbours.
    expect(maxDiff(alone, batch.vectors[0])).toBeGreaterThan(1e-3);
  });

  it('agrees with concurrent callers merged into one run', async () => {
    const texts = ['a cat', 'a black dog jumps over a fence', 'people walk', 'snow'];
    const alone = await Promise.all(texts.map(async (t) => (await model.embed([t])).vectors[0]));
    const before = model.stats().batches;
    const merged = await Promise.all(texts.map((t) => model.embed([t])));
    expect(model.stats().batches - before).toBeLessThan(texts.length);
    merged.forEach((m, i) => expect(maxDiff(m.vectors[0], alone[i])).toBeLessThan(1e-5));
  });

  it('equals mean pooling + L2 norm computed by hand from a raw session run', async () => {
    const ids = [101, 1037, 3899, 102]; // [CLS] a dog [SEP]
    const session = await ort.InferenceSession.create(spec.onnxPath);
    const n = ids.length;
    const big = (xs: number[]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, n]);
    const res = await session.run({ input_ids: big(ids), attention_mask: big(ids.map(() => 1)), token_type_ids: big(ids.map(() => 0)) });
    await session.release();
    const h = res.last_hidden_state.data as Float32Array;
    const mean = Array.from({ length: 32 }, (_, d) => (h[d] + h[32 + d] + h[64 + d] + h[96 + d]) / 4);
    const len = Math.hypot(...mean);
    const expected = Float32Array.from(mean, (x) => x / len);
    const [got] = (await model.embed(['a dog'])).vectors;
    expect(maxDiff(got, expected)).toBeLessThan(1e-6);
  });

  it('embeds a text longer than the model limit from its first 256 word pieces', async () => {
    const long = 'a dog runs on the beach '.repeat(100);
    const out = await model.embed([long]);
    expect(out.tokenCounts).toEqual([256]);
    expect(norm(out.vectors[0])).toBeCloseTo(1, 5);
  });
});

describe('EmbeddingModel follows the model files', () => {
  const fx = tinyModelsDir();
  afterAll(() => fx.cleanup());

  it('uses CLS pooling and skips normalization when the files say so', async () => {
    variantOf(fx.modelDir, fx.modelsDir, 'test/cls-raw', (dir) => {
      writeJson(path.join(dir, '1_Pooling/config.json'), {
        word_embedding_dimension: 32,
        pooling_mode_cls_token: true,
        pooling_mode_mean_tokens: false,
        pooling_mode_max_tokens: false,
      });
      writeJson(path.join(dir, 'modules.json'), [
        { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
        { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      ]);
    });
    const meanModel = await EmbeddingModel.load(readModelSpec(fx.modelsDir, MINILM_MODEL_ID, 'model.onnx'), threads, limits);
    const clsModel = await EmbeddingModel.load(readModelSpec(fx.modelsDir, 'test/cls-raw', 'model.onnx'), threads, limits);
    try {
      expect(clsModel.description).toMatchObject({ pooling: 'cls', normalized: false });
      const [cls] = (await clsModel.embed(['a dog'])).vectors;
      const [mean] = (await meanModel.embed(['a dog'])).vectors;
      expect(Math.abs(norm(cls) - 1)).toBeGreaterThan(1e-3);
      expect(maxDiff(cls, mean)).toBeGreaterThan(1e-3);
    } finally {
      await meanModel.close();
      await clsModel.close();
    }
  });
});

describe('sessionLayout', () => {
  it('shares the CPUs out among the parallel sessions and adds a lone-query session only where it has more threads', () => {
    const layout = (t: Partial<Parameters<typeof sessionLayout>[0]>) => sessionLayout({ intraOp: 0, interOp: 0, ...t });
    expect(layout({ cpus: 2 })).toEqual({ parallel: 1, threadsEach: 2, loneThreads: 0 });
    expect(layout({ cpus: 2, sessions: 0, loneSession: true })).toEqual({ parallel: 2, threadsEach: 1, loneThreads: 2 });
    expect(layout({ cpus: 2, sessions: 0, loneSession: false })).toEqual({ parallel: 2, threadsEach: 1, loneThreads: 0 });
    expect(layout({ cpus: 1, sessions: 0, loneSession: true })).toEqual({ parallel: 1, threadsEach: 1, loneThreads: 0 });
    expect(layout({ cpus: 8, sessions: 4, loneSession: true })).toEqual({ parallel: 4, threadsEach: 2, loneThreads: 8 });
    expect(layout({ cpus: 2, sessions: 2, intraOp: 2, loneSession: true })).toEqual({ parallel: 2, threadsEach: 2, loneThreads: 0 });
    expect(layout({ cpus: 2, sessions: 3, loneSession: true })).toEqual({ parallel: 3, threadsEach: 1, loneThreads: 2 });
  });
});

describe('EmbeddingModel with two sessions in parallel', () => {
  const fx = tinyModelsDir();
  const spec = readModelSpec(fx.modelsDir, MINILM_MODEL_ID, 'model.onnx');
  afterAll(() => fx.cleanup());

  it('spreads concurrent runs over the sessions, and every session gives the same vectors', async () => {
    const encoder = await OnnxEncoder.create(spec.onnxPath, { ...threads, sessions: 2 });
    try {
      expect(encoder.sessionCount).toBe(2);
      const ids = [101, 1037, 3899, 102];
      const batch = () => padBatch([ids], 0);
      const runs = [encoder.run(batch()), encoder.run(batch())];
      expect(encoder.inFlight()).toEqual([1, 1]);
      const [a, b] = await Promise.all(runs);
      expect(encoder.inFlight()).toEqual([0, 0]);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      const on1 = await encoder.run(batch(), 1);
      expect(Array.from(on1.data)).toEqual(Array.from(a.data));
    } finally {
      await encoder.release();
    }
  });

  it('sends a run that starts while every session is idle to the lone-query session, others to the parallel ones', async () => {
    const encoder = await OnnxEncoder.create(spec.onnxPath, { intraOp: 0, interOp: 1, sessions: 0, loneSession: true, cpus: 2 });
    try {
      expect([encoder.sessionCount, encoder.allSessionCount]).toEqual([2, 3]);
      const batch = () => padBatch([[101, 1037, 3899, 102]], 0);
      const lone = encoder.run(batch());
      expect(encoder.inFlight()).toEqual([0, 0, 1]);
      const more = [encoder.run(batch()), encoder.run(batch()), encoder.run(batch())];
      expect(encoder.inFlight()).toEqual([2, 1, 1]);
      const [first, ...rest] = await Promise.all([lone, ...more]);
      for (const r of rest) expect(Array.from(r.data)).toEqual(Array.from(first.data));
      expect(encoder.inFlight()).toEqual([0, 0, 0]);
      const again = encoder.run(batch());
      expect(encoder.inFlight()).toEqual([0, 0, 1]);
      await again;
    } finally {
      await encoder.release();
    }
  });

  it('answers concurrent callers as one session does (within 1e-5)', async () => {
    const one = await EmbeddingModel.load(spec, threads, limits);
    const two = await EmbeddingModel.load(spec, { ...threads, sessions: 2 }, { ...limits, maxBatch: 2 });
    try {
      await two.warmUp(limits.maxBatch);
      const texts = Array.from({ length: 24 }, (_, i) => `${i} dogs run across ${'a wide field '.repeat(i % 5)}`);
      const expected = (await one.embed(texts)).vectors;
      const got = await Promise.all(texts.map(async (t) => (await two.embed([t])).vectors[0]));
      got.forEach((v, i) => expect(maxDiff(v, expected[i])).toBeLessThan(1e-5));
    } finally {
      await one.close();
      await two.close();
    }
  });
});
