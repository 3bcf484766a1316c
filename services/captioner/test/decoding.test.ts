/**
 * Decoding through real ONNX Runtime sessions: a constructed decoder with known greedy and beam
 * captions in every decoder layout, and the random-weight tiny fixtures of both models, where
 * cached (past key/values) and uncached decoding must produce identical tokens.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Captioner } from '../src/domain/captioner';
import { decodeImage } from '../src/domain/image-decoder';
import { search } from '../src/domain/generation';
import { resolveOptions, searchParams } from '../src/domain/generation-config';
import { loadCaptionModel, locateModelFiles, type CaptionModel } from '../src/domain/model-loader';
import { preprocess } from '../src/domain/preprocess';
import {
  BEAM_CAPTION,
  BLIP_MODEL_ID,
  GREEDY_CAPTION,
  VIT_GPT2_MODEL_ID,
  buildTableModel,
  removeDir,
  startCaptioner,
  tempDir,
  tinyModelsDir,
  variantFolder,
} from './support/models';

const PHOTO = fs.readFileSync(path.join(__dirname, 'fixtures/photos/astronaut.jpg'));
const rt = { intraOpThreads: 1, interOpThreads: 1 };

describe('constructed table decoder: known greedy and beam captions', () => {
  let root: string;
  let captioner: Captioner;
  const layouts = {
    'test/merged': { variants: ['merged'], layout: 'merged-with-past' },
    'test/separate': { variants: ['no-past', 'with-past'], layout: 'separate-with-past' },
    'test/no-past': { variants: ['no-past'], layout: 'no-past' },
  } as const;

  beforeAll(async () => {
    root = tempDir('table');
    for (const [id, { variants }] of Object.entries(layouts)) buildTableModel(path.join(root, id), variants);
    // A single with-past graph and no use_cache_branch: started with 0-length pasts.
    const single = path.join(root, 'test/with-past');
    buildTableModel(single, ['with-past']);
    fs.renameSync(path.join(single, 'onnx/decoder_with_past_model.onnx'), path.join(single, 'onnx/decoder_model.onnx'));
    captioner = await startCaptioner(root, [...Object.keys(layouts), 'test/with-past'], { cacheSize: 0 });
  });
  afterAll(async () => {
    await captioner.close();
    removeDir(root);
  });

  it('finds each layout', () => {
    expect(Object.fromEntries(captioner.list().map((m) => [m.id, m.decoderLayout]))).toEqual({
      'test/merged': 'merged-with-past',
      'test/separate': 'separate-with-past',
      'test/no-past': 'no-past',
      'test/with-past': 'with-past',
    });
  });

  it.each(['test/merged', 'test/separate', 'test/no-past', 'test/with-past'])('%s: greedy and beam search give their known captions, cached or not', async (model) => {
    for (const kvCache of [true, false]) {
      const g = await captioner.caption({ image: PHOTO, model, options: { numBeams: 1 }, kvCache });
      const b = await captioner.caption({ image: PHOTO, model, options: { numBeams: 2 }, kvCache });
      expect([g.caption, b.caption]).toEqual([GREEDY_CAPTION, BEAM_CAPTION]);
      expect(g.tokens).toHaveLength(3);
    }
  });

  it('max_new_tokens and min_new_tokens bound the caption', async () => {
    const short = await captioner.caption({ image: PHOTO, model: 'test/merged', options: { maxNewTokens: 2 } });
    expect(short.caption).toBe('a dog');
    // [SEP] banned for 4 tokens: a dog runs, then runs' next best (the) instead of [SEP], then cat, sleeps.
    const long = await captioner.caption({ image: PHOTO, model: 'test/merged', options: { minNewTokens: 4 } });
    expect(long.caption).toBe('a dog runs the cat sleeps');
  });
});

describe('start-up refuses what it cannot drive', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('refuse');
  });
  afterAll(() => removeDir(root));

  it('a decoder with an unknown input, naming the file and the input', async () => {
    buildTableModel(path.join(root, 'test/extra-input'), ['merged'], (g) => {
      g.input('token_type_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
    });
    await expect(loadCaptionModel(locateModelFiles(root, 'test/extra-input'), rt)).rejects.toThrow(
      'decoder_model_merged.onnx: unsupported decoder layout: unknown inputs token_type_ids',
    );
  });

  it('a preprocessor size the encoder does not take', async () => {
    const dir = buildTableModel(path.join(root, 'test/size'), ['merged']);
    // The mean encoder takes any size; a fixed-size ViT fixture does not: 224 vs the 64 written here.
    const tiny = await tinyModelsDir();
    const vit = path.join(root, VIT_GPT2_MODEL_ID);
    variantFolder(path.join(tiny, VIT_GPT2_MODEL_ID), vit, { 'decoder_model_merged.onnx': 'decoder_model_merged.onnx' });
    fs.rmSync(path.join(vit, 'preprocessor_config.json'));
    fs.writeFileSync(path.join(vit, 'preprocessor_config.json'), JSON.stringify({ size: 64, resample: 2 }));
    await expect(loadCaptionModel(locateModelFiles(root, VIT_GPT2_MODEL_ID), rt)).rejects.toThrow(/encoder_model\.onnx: cannot encode a 64x64 image \(the preprocessor_config\.json size\)/);
    expect(fs.existsSync(dir)).toBe(true);
  });

  it('a model folder without its files, naming them and how to get them', () => {
    fs.mkdirSync(path.join(root, 'test/empty/onnx'), { recursive: true });
    expect(() => locateModelFiles(root, 'test/empty')).toThrow(
      /model test\/empty: .* lacks onnx\/encoder_model\.onnx, tokenizer\.json, config\.json, preprocessor_config\.json, onnx\/decoder_model_merged\.onnx; expected .*'pnpm models pull'.*'pnpm fixtures'/,
    );
  });
});

describe('tiny random-weight fixtures: cached decoding equals uncached decoding', () => {
  let root: string;
  let tiny: string;
  const models = new Map<string, Promise<CaptionModel>>();
  const load = (dir: string, id: string, hoist: boolean): Promise<CaptionModel> => {
    const key = `${dir}|${id}|${hoist}`;
    if (!models.has(key)) models.set(key, loadCaptionModel(locateModelFiles(dir, id), { ...rt, hoist }));
    return models.get(key) as Promise<CaptionModel>;
  };

  beforeAll(async () => {
    tiny = await tinyModelsDir();
    root = tempDir('layouts');
    for (const id of [BLIP_MODEL_ID, VIT_GPT2_MODEL_ID]) {
      variantFolder(path.join(tiny, id), path.join(root, 'separate', id), {
        'decoder_model.onnx': 'decoder_model.onnx',
        'decoder_with_past_model.onnx': 'decoder_with_past_model.onnx',
      });
    }
  });
  afterAll(async () => {
    await Promise.all([...models.values()].map(async (m) => (await m).close()));
    removeDir(root);
  });

  async function tokens(dir: string, id: string, numBeams: number, cache: boolean, hoist = true): Promise<{ layout: string; hoisted: boolean; tokens: number[] }> {
    const m = await load(dir, id, hoist);
    const img = await decodeImage(PHOTO, { maxBytes: 1e6, maxPixels: 1e7 });
    const { pixels } = await preprocess(img, m.preprocess, { alpha: 'drop', resizer: 'pil' });
    const [enc] = await m.encoder.encode([pixels], m.preprocess.height, m.preprocess.width);
    // min_new_tokens keeps random weights from ending at once, so the comparison covers many steps.
    const o = resolveOptions(m.defaults, { numBeams, maxNewTokens: 12, minNewTokens: 12 }, { maxNewTokens: 64, maxBeams: 8 });
    const r = await search(m.decoder.open(enc, cache), searchParams(m.defaults, o));
    return { layout: m.layout, hoisted: m.hoisted, tokens: r.tokens };
  }

  it.each([
    [BLIP_MODEL_ID, 1],
    [BLIP_MODEL_ID, 3],
    [VIT_GPT2_MODEL_ID, 1],
    [VIT_GPT2_MODEL_ID, 3],
  ])('%s, %i beam(s): same tokens with and without past key/values and hoisting, merged and separate', async (id, beams) => {
    // Reference: the graphs as exported, every step re-reading the whole sequence.
    const reference = await tokens(tiny, id, beams, false, false);
    const merged = await tokens(tiny, id, beams, true);
    const pastOnly = await tokens(tiny, id, beams, true, false);
    const hoistedUncached = await tokens(tiny, id, beams, false);
    const separate = await tokens(path.join(root, 'separate'), id, beams, true);
    expect([merged.layout, merged.hoisted, reference.hoisted]).toEqual(['merged-with-past', true, false]);
    expect([separate.layout, separate.hoisted]).toEqual(['separate-with-past', true]);
    expect(reference.tokens).toHaveLength(12);
    for (const other of [merged, pastOnly, hoistedUncached, separate]) expect(other.tokens).toEqual(reference.tokens);
    if (beams > 1) {
      // The first beam search checked that the image-only values tile from one row; now they do.
      const m = await load(tiny, id, true);
      expect(m.decoder.tilesHoistedValues).toBe(true);
      expect((await tokens(tiny, id, beams, true)).tokens).toEqual(reference.tokens);
    }
  });
});
