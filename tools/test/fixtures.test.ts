/**
 * Fixture-model builder: every tiny model loads in onnxruntime-node with exactly the real exports'
 * input/output names and types and runs; the decoders' KV cache is wired correctly (cached and
 * uncached decoding agree); tokenizers reproduce the real models' ids; caching and determinism.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  BLIP_MODEL_ID,
  FIXTURE_MARKER,
  MINILM_MODEL_ID,
  VIT_GPT2_MODEL_ID,
  buildEmbedderFixture,
  buildTableDecoderGraph,
  ensureFixtureModels,
  onnx,
  readFixtureMarker,
  type DecoderVariant,
  type EnsuredFixture,
  type FixtureMarker,
} from '../src/fixtures';

let root: string;
let modelsDir: string;
let ensured: EnsuredFixture[];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-fixtures-'));
  modelsDir = path.join(root, 'models');
  ensured = await ensureFixtureModels(modelsDir, 'tiny');
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const modelDir = (id: string): string => path.join(modelsDir, ...id.split('/'));
const readJson = <T = Record<string, unknown>>(id: string, rel: string): T => JSON.parse(fs.readFileSync(path.join(modelDir(id), rel), 'utf8')) as T;
const marker = (id: string): FixtureMarker => {
  const m = readFixtureMarker(modelDir(id));
  if (!m) throw new Error(`no marker in ${id}`);
  return m;
};
const session = (id: string, file: string): Promise<ort.InferenceSession> => ort.InferenceSession.create(path.join(modelDir(id), 'onnx', file));

/** name → [type, shape] of a session's inputs or outputs. */
function signature(meta: readonly ort.InferenceSession.ValueMetadata[]): Array<[string, string, ReadonlyArray<number | string>]> {
  return meta.map((m) => (m.isTensor ? [m.name, m.type, m.shape] : [m.name, 'non-tensor', []]));
}

/** Dims of the graph inputs or outputs as declared in an ONNX file (symbolic names as strings). */
function declaredDims(file: string, which: 'input' | 'output'): Array<Array<number | string>> {
  type Dim = { dim_value?: number; dim_param?: string };
  type Info = { type: { tensor_type: { shape: { dim: Dim[] } } } };
  const model = onnx.decodeModelProto(fs.readFileSync(file)) as { graph: Record<'input' | 'output', Info[]> };
  return model.graph[which].map((v) => v.type.tensor_type.shape.dim.map((d) => d.dim_param ?? d.dim_value ?? '?'));
}

const i64 = (values: readonly number[], dims: readonly number[]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('ensureFixtureModels', () => {
  it('builds all three default models quickly, each with a marker', () => {
    expect(ensured.map((e) => [e.modelId, e.status])).toEqual([
      [MINILM_MODEL_ID, 'built'],
      [VIT_GPT2_MODEL_ID, 'built'],
      [BLIP_MODEL_ID, 'built'],
    ]);
    // Budget is < 1 s per tiny model; the bound leaves headroom for slow CI machines.
    for (const e of ensured) expect(e.ms).toBeLessThan(3000);
    for (const id of [MINILM_MODEL_ID, VIT_GPT2_MODEL_ID, BLIP_MODEL_ID]) {
      expect(marker(id)).toMatchObject({ fixture: true, modelId: id, size: 'tiny' });
    }
    // no temporary or lock folders left behind
    expect(fs.readdirSync(path.join(modelsDir, 'nlpconnect'))).toEqual(['vit-gpt2-image-captioning']);
  });

  it('keeps current fixtures and never touches a real model folder', async () => {
    const foreign = path.join(root, 'other');
    const real = path.join(foreign, ...MINILM_MODEL_ID.split('/'));
    fs.mkdirSync(real, { recursive: true });
    fs.writeFileSync(path.join(real, 'config.json'), '{}');
    const again = await ensureFixtureModels(modelsDir, 'tiny');
    expect(again.map((e) => e.status)).toEqual(['cached', 'cached', 'cached']);
    const other = await ensureFixtureModels(foreign, 'tiny', { models: [MINILM_MODEL_ID] });
    expect(other).toEqual([expect.objectContaining({ status: 'foreign' })]);
    expect(fs.readdirSync(real)).toEqual(['config.json']);
  });

  it('concurrent callers share one build', async () => {
    const dir = path.join(root, 'concurrent');
    const [a, b] = await Promise.all([
      ensureFixtureModels(dir, 'tiny', { models: [MINILM_MODEL_ID] }),
      ensureFixtureModels(dir, 'tiny', { models: [MINILM_MODEL_ID] }),
    ]);
    expect([a[0].status, b[0].status].sort()).toEqual(['built', 'cached']);
  });
});

describe('builders are deterministic', () => {
  it('same seed ⇒ identical bytes; another seed ⇒ other weights', () => {
    const a = buildEmbedderFixture(path.join(root, 'det-a'), { seed: 7 });
    const b = buildEmbedderFixture(path.join(root, 'det-b'), { seed: 7 });
    const c = buildEmbedderFixture(path.join(root, 'det-c'), { seed: 8 });
    const bytes = (r: { dir: string }): Buffer => fs.readFileSync(path.join(r.dir, 'onnx/model.onnx'));
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(bytes(a).equals(bytes(c))).toBe(false);
    expect(Object.keys(a.files).sort()).toEqual(
      [
        '.fixture.json',
        '1_Pooling/config.json',
        'config.json',
        'config_sentence_transformers.json',
        'modules.json',
        'onnx/model.onnx',
        'sentence_bert_config.json',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'vocab.txt',
      ].sort(),
    );
  });
});

describe('MiniLM embedder fixture', () => {
  it('has the sentence-transformers ONNX signature', async () => {
    const s = await session(MINILM_MODEL_ID, 'model.onnx');
    const tok: ReadonlyArray<string> = ['batch_size', 'sequence_length'];
    expect(signature(s.inputMetadata)).toEqual([
      ['input_ids', 'int64', tok],
      ['attention_mask', 'int64', tok],
      ['token_type_ids', 'int64', tok],
    ]);
    expect(signature(s.outputMetadata)).toEqual([['last_hidden_state', 'float32', ['batch_size', 'sequence_length', 32]]]);
  });

  it('runs a padded batch; padding does not change the unpadded row', async () => {
    const s = await session(MINILM_MODEL_ID, 'model.onnx');
    const ids = [101, 7592, 1010, 2026, 3899, 2003, 10140, 102, 101, 7592, 102, 0, 0, 0, 0, 0];
    const mask = ids.map((_, i) => (i < 11 ? 1 : 0));
    const batch = await s.run({ input_ids: i64(ids, [2, 8]), attention_mask: i64(mask, [2, 8]), token_type_ids: i64(Array(16).fill(0), [2, 8]) });
    const out = batch.last_hidden_state;
    expect(out.dims).toEqual([2, 8, 32]);
    const data = out.data as Float32Array;
    expect(data.every(Number.isFinite)).toBe(true);
    const single = await s.run({ input_ids: i64([101, 7592, 102], [1, 3]), attention_mask: i64([1, 1, 1], [1, 3]), token_type_ids: i64([0, 0, 0], [1, 3]) });
    expect(maxAbsDiff(data.subarray(8 * 32, 11 * 32), single.last_hidden_state.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('ships the real module files', () => {
    expect(readJson<Array<{ path: string }>>(MINILM_MODEL_ID, 'modules.json').map((m) => m.path)).toEqual(['', '1_Pooling', '2_Normalize']);
    expect(readJson(MINILM_MODEL_ID, '1_Pooling/config.json')).toMatchObject({ word_embedding_dimension: 32, pooling_mode_mean_tokens: true, pooling_mode_cls_token: false });
    expect(readJson(MINILM_MODEL_ID, 'sentence_bert_config.json')).toEqual({ max_seq_length: 256, do_lower_case: false });
    expect(readJson(MINILM_MODEL_ID, 'config.json')).toMatchObject({ model_type: 'bert', hidden_size: 32, vocab_size: 30522 });
    expect(fs.statSync(path.join(modelDir(MINILM_MODEL_ID), '2_Normalize')).isDirectory()).toBe(true);
  });

  it('tokenizer.json reproduces bert-base-uncased ids', () => {
    const tok = new Tokenizer(readJson(MINILM_MODEL_ID, 'tokenizer.json'), readJson(MINILM_MODEL_ID, 'tokenizer_config.json'));
    expect(tok.encode('Hello, my dog is cute').ids).toEqual([101, 7592, 1010, 2026, 3899, 2003, 10140, 102]);
    // lowercasing, accent stripping and ## continuation pieces
    expect(tok.encode('Héllo UNAFFABLE').tokens).toEqual(['[CLS]', 'hello', 'una', '##ffa', '##ble', '[SEP]']);
  });
});

interface CaptionerCase {
  id: string;
  imageSize: number;
  hidden: number;
  vocab: number;
  start: number;
}

const captioners: CaptionerCase[] = [
  { id: VIT_GPT2_MODEL_ID, imageSize: 224, hidden: 32, vocab: 50257, start: 50256 },
  { id: BLIP_MODEL_ID, imageSize: 64, hidden: 32, vocab: 30524, start: 30522 },
];

describe.each(captioners)('$id fixture', ({ id, imageSize, hidden, vocab, start }) => {
  const layers = 2;
  const heads = 4;
  const headDim = hidden / heads;

  async function encode(batch: number): Promise<ort.Tensor> {
    const s = await session(id, 'encoder_model.onnx');
    const px = Float32Array.from({ length: batch * 3 * imageSize * imageSize }, (_, i) => Math.sin(i * 0.37));
    const out = await s.run({ pixel_values: new ort.Tensor('float32', px, [batch, 3, imageSize, imageSize]) });
    return out.last_hidden_state;
  }

  function pastFeeds(source: ort.InferenceSession.OnnxValueMapType | undefined, batch: number): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (let i = 0; i < layers; i++) {
      for (const kv of ['key', 'value']) {
        feeds[`past_key_values.${i}.${kv}`] = source
          ? source[`present.${i}.${kv}`]
          : new ort.Tensor('float32', new Float32Array(0), [batch, heads, 0, headDim]);
      }
    }
    return feeds;
  }

  it('configs agree with the graphs', () => {
    const m = marker(id).config;
    expect(m).toMatchObject({ imageSize, decoderLayers: layers, decoderHeads: heads, headDim, vocab });
    const pre = readJson(id, 'preprocessor_config.json');
    expect(pre.size).toEqual({ height: imageSize, width: imageSize });
    expect(readJson(id, 'generation_config.json')).toMatchObject({ decoder_start_token_id: start, bos_token_id: start });
  });

  it('encoder has the export signature and runs', async () => {
    const s = await session(id, 'encoder_model.onnx');
    expect(signature(s.inputMetadata)).toEqual([['pixel_values', 'float32', ['batch_size', 'num_channels', 'height', 'width']]]);
    // onnxruntime reports the sequence axis it infers (a constant: the position table is fixed), so
    // the declared symbolic dim is checked in the file itself.
    expect(s.outputNames).toEqual(['last_hidden_state']);
    expect(declaredDims(path.join(modelDir(id), 'onnx/encoder_model.onnx'), 'output')).toEqual([['batch_size', 'encoder_sequence_length', hidden]]);
    const out = await encode(2);
    expect(out.dims).toEqual([2, (imageSize / 16) ** 2 + 1, hidden]);
    expect((out.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it.each<[DecoderVariant, string]>([
    ['merged', 'decoder_model_merged.onnx'],
    ['no-past', 'decoder_model.onnx'],
    ['with-past', 'decoder_with_past_model.onnx'],
  ])('%s decoder (%s) has the export signature', async (variant, file) => {
    const s = await session(id, file);
    const past = Array.from({ length: layers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat();
    const present = Array.from({ length: layers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat();
    const inputs = ['input_ids', 'encoder_hidden_states', ...(variant === 'no-past' ? [] : past), ...(variant === 'merged' ? ['use_cache_branch'] : [])];
    expect(s.inputNames).toEqual(inputs);
    expect(s.outputNames).toEqual(['logits', ...present]);
    const types = Object.fromEntries(signature(s.inputMetadata).map(([n, t, shape]) => [n, [t, shape]]));
    expect(types.input_ids).toEqual(['int64', ['batch_size', 'decoder_sequence_length']]);
    expect(types.encoder_hidden_states).toEqual(['float32', ['batch_size', 'encoder_sequence_length', hidden]]);
    if (variant !== 'no-past') expect(types['past_key_values.1.value']).toEqual(['float32', ['batch_size', heads, 'past_decoder_sequence_length', headDim]]);
    if (variant === 'merged') expect(types.use_cache_branch).toEqual(['bool', [1]]);
    expect(signature(s.outputMetadata)[0]).toEqual(['logits', 'float32', ['batch_size', 'decoder_sequence_length', vocab]]);
  });

  it('cached decoding (merged, 0-length past then presents fed back) equals uncached decoding', async () => {
    const enc = await encode(2);
    const merged = await session(id, 'decoder_model_merged.onnx');
    const noPast = await session(id, 'decoder_model.onnx');
    const withPast = await session(id, 'decoder_with_past_model.onnx');
    const next = [64, 1037]; // any two in-vocabulary tokens, one per batch row

    const step1 = await merged.run({
      input_ids: i64([start, start], [2, 1]),
      encoder_hidden_states: enc,
      use_cache_branch: new ort.Tensor('bool', Uint8Array.from([0]), [1]),
      ...pastFeeds(undefined, 2),
    });
    expect(step1.logits.dims).toEqual([2, 1, vocab]);
    expect(step1['present.0.key'].dims).toEqual([2, heads, 1, headDim]);

    const step2Feeds = { input_ids: i64(next, [2, 1]), encoder_hidden_states: enc, ...pastFeeds(step1, 2) };
    const step2 = await merged.run({ ...step2Feeds, use_cache_branch: new ort.Tensor('bool', Uint8Array.from([1]), [1]) });
    expect(step2['present.1.value'].dims).toEqual([2, heads, 2, headDim]);

    const full = await noPast.run({ input_ids: i64([start, next[0], start, next[1]], [2, 2]), encoder_hidden_states: enc });
    const fullLogits = full.logits.data as Float32Array;
    const lastOfFull = new Float32Array([...fullLogits.subarray(vocab, 2 * vocab), ...fullLogits.subarray(3 * vocab, 4 * vocab)]);
    const cached = step2.logits.data as Float32Array;
    expect(maxAbsDiff(cached, lastOfFull)).toBeLessThan(1e-4);

    // The separate with-past file computes the same step.
    const sep = await withPast.run(step2Feeds);
    expect(maxAbsDiff(sep.logits.data as Float32Array, cached)).toBeLessThan(1e-5);

    // The comparison has teeth: dropping the past changes the logits.
    const forgetful = await merged.run({ ...step2Feeds, use_cache_branch: new ort.Tensor('bool', Uint8Array.from([0]), [1]) });
    expect(maxAbsDiff(forgetful.logits.data as Float32Array, cached)).toBeGreaterThan(1e-3);
  });

  it('tokenizer.json decodes the generation special tokens', () => {
    const tok = new Tokenizer(readJson(id, 'tokenizer.json'), readJson(id, 'tokenizer_config.json'));
    const text = 'a dog on a beach';
    const ids = tok.encode(text).ids;
    expect(tok.decode([start, ...ids], { skip_special_tokens: true })).toBe(text);
    if (id === VIT_GPT2_MODEL_ID) expect(ids).toEqual([64, 3290, 319, 257, 10481]);
    else expect(ids).toEqual([101, 1037, 3899, 2006, 1037, 3509, 102]);
  });
});

describe('low-level graph builder', () => {
  it('builds a lookup-table decoder with the standard signature', async () => {
    const V = 5;
    const table = onnx.f32(Float32Array.from({ length: V * V }, (_, i) => (i % (V + 1) === 0 ? 1 : 0)), [V, V]);
    const file = path.join(root, 'table/decoder_model_merged.onnx');
    buildTableDecoderGraph(table, { layers: 1, heads: 2, headDim: 4, encoderHidden: 8 }, 'merged').save(file);
    const s = await ort.InferenceSession.create(file);
    expect(s.inputNames).toEqual(['input_ids', 'encoder_hidden_states', 'past_key_values.0.key', 'past_key_values.0.value', 'use_cache_branch']);
    const out = await s.run({
      input_ids: i64([3], [1, 1]),
      encoder_hidden_states: new ort.Tensor('float32', new Float32Array(8), [1, 1, 8]),
      'past_key_values.0.key': new ort.Tensor('float32', new Float32Array(16), [1, 2, 2, 4]),
      'past_key_values.0.value': new ort.Tensor('float32', new Float32Array(16), [1, 2, 2, 4]),
      use_cache_branch: new ort.Tensor('bool', Uint8Array.from([1]), [1]),
    });
    expect(Array.from(out.logits.data as Float32Array)).toEqual([0, 0, 0, 1, 0]);
    expect(out['present.0.key'].dims).toEqual([1, 2, 3, 4]);
  });

  it('rejects wiring mistakes at build time', () => {
    const g = new onnx.GraphBuilder('bad');
    expect(() => g.op('Relu', ['missing'])).toThrow(/undefined value missing/);
    g.input('x', 'float32', [1]);
    expect(() => g.input('x', 'float32', [1])).toThrow(/defined twice/);
  });

  it('round-trips through the protobuf schema', () => {
    const g = new onnx.GraphBuilder('rt');
    const x = g.input('x', 'float32', ['n']);
    g.output('y', 'float32', ['n'], g.op('Mul', [x, g.scalar(2)]));
    const decoded = onnx.decodeModelProto(g.encode()) as { ir_version: number; opset_import: Array<{ version: number }>; graph: { input: unknown[] } };
    expect(decoded.ir_version).toBe(onnx.DEFAULT_IR_VERSION);
    expect(decoded.opset_import[0].version).toBe(17);
    expect(decoded.graph.input).toHaveLength(1);
  });
});

it('writes the marker last so its presence means a complete folder', () => {
  const files = Object.keys(buildEmbedderFixture(path.join(root, 'order')).files);
  expect(files[files.length - 1]).toBe(FIXTURE_MARKER);
});
