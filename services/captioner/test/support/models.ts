import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@tit/kit';
import {
  BLIP_MODEL_ID,
  VIT_GPT2_MODEL_ID,
  buildTableDecoderGraph,
  ensureFixtureModels,
  onnx,
  type DecoderVariant,
} from '@tit/tools/src/fixtures';
import { Captioner, type CaptionerOptions } from '../../src/domain/captioner';
import { locateModelFiles } from '../../src/domain/model-loader';

export { BLIP_MODEL_ID, VIT_GPT2_MODEL_ID };

/** The shared tiny fixtures of both captioning models (built once, reused across test files and runs). */
export async function tinyModelsDir(): Promise<string> {
  const dir = path.join(REPO_ROOT, '.models/fixtures-tiny');
  await ensureFixtureModels(dir, 'tiny', { models: [BLIP_MODEL_ID, VIT_GPT2_MODEL_ID] });
  return dir;
}

/** A fresh temporary folder, removed by the caller with {@link removeDir}. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `captioner-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A copy of model folder `src` at `dst` whose `onnx/` holds only the chosen decoder files
 * (`{ 'decoder_model.onnx': 'decoder_with_past_model.onnx' }` renames), linking everything else.
 */
export function variantFolder(src: string, dst: string, onnxFiles: Record<string, string>): string {
  fs.mkdirSync(path.join(dst, 'onnx'), { recursive: true });
  for (const f of fs.readdirSync(src)) {
    if (f === 'onnx' || f.startsWith('.')) continue;
    fs.symlinkSync(path.join(src, f), path.join(dst, f));
  }
  fs.symlinkSync(path.join(src, 'onnx/encoder_model.onnx'), path.join(dst, 'onnx/encoder_model.onnx'));
  for (const [to, from] of Object.entries(onnxFiles)) fs.symlinkSync(path.join(src, 'onnx', from), path.join(dst, 'onnx', to));
  return dst;
}

/** Vocabulary of the table model: BERT's first specials, six words, and [DEC] as the start token. */
export const TABLE_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'dog', 'cat', 'runs', 'sleeps', 'the', '[DEC]'] as const;
const id = (t: (typeof TABLE_VOCAB)[number]): number => TABLE_VOCAB.indexOf(t);

/**
 * Next-token probabilities of the table decoder, by current token. Greedy decoding follows the
 * locally best step: "a" (0.5) → "dog" (0.34) → "runs" (0.4) → [SEP], 0.061 in all. Beam search
 * (2 beams) keeps "the" (0.45), whose continuation is nearly certain: "the cat sleeps" → [SEP],
 * 0.386. Both captions are known in advance and differ.
 */
const NEXT: Record<string, Record<string, number>> = {
  '[DEC]': { a: 0.5, the: 0.45, dog: 0.02, cat: 0.02 },
  a: { dog: 0.34, cat: 0.33, runs: 0.33 },
  dog: { runs: 0.4, sleeps: 0.3, '[SEP]': 0.3 },
  runs: { '[SEP]': 0.9, the: 0.1 },
  the: { cat: 0.95, dog: 0.05 },
  cat: { sleeps: 0.95, runs: 0.05 },
  sleeps: { '[SEP]': 0.95, a: 0.05 },
};
export const GREEDY_CAPTION = 'a dog runs';
export const BEAM_CAPTION = 'the cat sleeps';

function tableLogits(): Float32Array {
  const V = TABLE_VOCAB.length;
  const table = new Float32Array(V * V).fill(Math.log(1e-6));
  for (const [from, row] of Object.entries(NEXT)) {
    for (const [to, p] of Object.entries(row)) table[id(from as (typeof TABLE_VOCAB)[number]) * V + id(to as (typeof TABLE_VOCAB)[number])] = Math.log(p);
  }
  return table;
}

/** An encoder that averages each channel: pixel_values [b,3,H,W] → last_hidden_state [b,1,3]. */
function meanEncoder(): onnx.GraphBuilder {
  const g = new onnx.GraphBuilder('mean_encoder');
  const x = g.input('pixel_values', 'float32', ['batch_size', 3, 'height', 'width']);
  const mean = g.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  g.output('last_hidden_state', 'float32', ['batch_size', 1, 3], g.op('Unsqueeze', [mean, g.ints([1])]));
  return g;
}

/** Writes the table model (see {@link NEXT}) with the chosen decoder files into `dir`. */
export function buildTableModel(
  dir: string,
  variants: readonly DecoderVariant[] = ['merged'],
  edit: (g: onnx.GraphBuilder) => void = () => undefined,
): string {
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const V = TABLE_VOCAB.length;
  meanEncoder().save(path.join(dir, 'onnx/encoder_model.onnx'));
  const files: Record<DecoderVariant, string> = { merged: 'decoder_model_merged.onnx', 'no-past': 'decoder_model.onnx', 'with-past': 'decoder_with_past_model.onnx' };
  for (const v of variants) {
    const g = buildTableDecoderGraph(onnx.f32(tableLogits(), [V, V]), { layers: 2, heads: 2, headDim: 4, encoderHidden: 3 }, v);
    edit(g);
    g.save(path.join(dir, 'onnx', files[v]));
  }
  const write = (f: string, v: unknown): void => fs.writeFileSync(path.join(dir, f), JSON.stringify(v, null, 2));
  write('tokenizer.json', {
    version: '1.0',
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '[DEC]'].map((t) => ({
      id: id(t as (typeof TABLE_VOCAB)[number]),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(TABLE_VOCAB.map((t, i) => [t, i])) },
  });
  write('config.json', { model_type: 'vision-encoder-decoder', decoder_start_token_id: id('[DEC]'), eos_token_id: id('[SEP]'), decoder: { vocab_size: V } });
  write('generation_config.json', { decoder_start_token_id: id('[DEC]'), eos_token_id: id('[SEP]'), max_length: 10 });
  write('preprocessor_config.json', { size: { height: 32, width: 32 }, resample: 2, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] });
  return dir;
}

/** Captioner options for tests: small limits, no batching delay unless asked. */
export function testOptions(over: Partial<CaptionerOptions> = {}): CaptionerOptions {
  return {
    limits: { maxBytes: 300_000, maxPixels: 4_000_000 },
    generation: { maxNewTokens: 24, maxBeams: 4 },
    cacheSize: 100,
    queueLimit: 16,
    decodeConcurrency: 2,
    batch: { maxBatch: 8, maxWaitMs: 1 },
    preprocess: { alpha: 'drop', resizer: 'pil' },
    runtime: { intraOpThreads: 1, interOpThreads: 1 },
    ...over,
  };
}

/** A started Captioner over `ids` in `modelsDir`. */
export async function startCaptioner(modelsDir: string, ids: readonly string[], over: Partial<CaptionerOptions> = {}): Promise<Captioner> {
  const c = new Captioner(
    ids.map((i) => locateModelFiles(modelsDir, i)),
    testOptions(over),
  );
  await c.start();
  return c;
}
