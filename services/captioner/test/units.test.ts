/** Unit tests of the small domain pieces: cache, batcher, configs, signatures, tokenizer, config. */
import { ConfigError, InvalidInputError } from '@tit/kit';
import { gpt2TokenizerJson, bertTokenizerJson, BLIP_TOKENS, GPT2_EOS_ID } from '@tit/tools/src/fixtures';
import { loadServiceConfig } from '../src/config';
import { CaptionTokenizer } from '../src/domain/caption-tokenizer';
import { DecoderLayoutError, readDecoderSignature, checkSeparatePair } from '../src/domain/decoder-signature';
import { EncoderBatcher } from '../src/domain/encoder-batcher';
import { GenerationConfigError, readGenerationDefaults, resolveOptions } from '../src/domain/generation-config';
import { applyRepetitionPenalty, bannedNgramTokens } from '../src/domain/logits-processors';
import { LruCache } from '../src/domain/lru-cache';
import { isTiled } from '../src/domain/onnx-decoder';
import * as ort from 'onnxruntime-node';
import { parsePreprocessorConfig, PreprocessorConfigError } from '../src/domain/preprocessor-config';
import { rgbaToRgb } from '../src/domain/alpha';

describe('LruCache', () => {
  it('evicts the least recently used entry and refreshes on get', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3);
    expect([c.get('a'), c.get('b'), c.get('c'), c.size]).toEqual([1, undefined, 3, 2]);
  });
  it('with capacity 0 stores nothing', () => {
    const c = new LruCache<string, number>(0);
    c.set('a', 1);
    expect(c.get('a')).toBeUndefined();
  });
});

describe('EncoderBatcher', () => {
  const state = (x: number) => ({ data: Float32Array.of(x), seq: 1, hidden: 1 });
  it('batches arrivals within the wait and queues arrivals while a run is busy', async () => {
    const runs: number[][] = [];
    let release: () => void = () => undefined;
    const b = new EncoderBatcher(
      async (images) => {
        runs.push(images.map((i) => i[0]));
        if (runs.length === 1) await new Promise<void>((r) => (release = r));
        return images.map((i) => state(i[0] * 10));
      },
      { maxBatch: 3, maxWaitMs: 20 },
    );
    const first = [1, 2].map((x) => b.encode(Float32Array.of(x)));
    await new Promise((r) => setTimeout(r, 40)); // the first batch (1, 2) is running now
    const later = [3, 4, 5, 6].map((x) => b.encode(Float32Array.of(x)));
    release();
    const all = await Promise.all([...first, ...later]);
    expect(all.map((s) => s.data[0])).toEqual([10, 20, 30, 40, 50, 60]);
    expect(runs).toEqual([[1, 2], [3, 4, 5], [6]]);
  });
  it('rejects every request of a failed run', async () => {
    const b = new EncoderBatcher(() => Promise.reject(new Error('boom')), { maxBatch: 4, maxWaitMs: 5 });
    const results = await Promise.allSettled([b.encode(new Float32Array(1)), b.encode(new Float32Array(1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('generation defaults', () => {
  it('reads ViT-GPT2 style configs (ids at the top level, max_length counted with the start token)', () => {
    const d = readGenerationDefaults({ max_length: 16, num_beams: 4 }, { decoder_start_token_id: 50256, eos_token_id: 50256 });
    expect(d).toMatchObject({ maxNewTokens: 15, numBeams: 4, decoderStartTokenId: 50256, eosTokenIds: [50256], lengthPenalty: 1, earlyStopping: false });
  });
  it('starts BLIP at [DEC] and ends it at [SEP] like BlipForConditionalGeneration.generate', () => {
    const config = { model_type: 'blip', text_config: { bos_token_id: 30522, sep_token_id: 102, eos_token_id: 2 } };
    expect(readGenerationDefaults(undefined, config)).toMatchObject({ decoderStartTokenId: 30522, eosTokenIds: [102], maxNewTokens: 19 });
  });
  it('prefers max_new_tokens and reads min_length / early_stopping', () => {
    const d = readGenerationDefaults({ max_new_tokens: 30, min_length: 5, early_stopping: 'never', eos_token_id: [1, 2], bos_token_id: 0 }, {});
    expect(d).toMatchObject({ maxNewTokens: 30, minNewTokens: 4, earlyStopping: 'never', eosTokenIds: [1, 2], decoderStartTokenId: 0 });
  });
  it('falls back to config.json generation keys when generation_config.json is absent', () => {
    const d = readGenerationDefaults(undefined, { decoder_start_token_id: 5, eos_token_id: 6, max_length: 16, num_beams: 4, vocab_size: 9 });
    expect(d).toMatchObject({ maxNewTokens: 15, numBeams: 4 });
  });
  it('fails clearly without token ids', () => {
    expect(() => readGenerationDefaults({}, {})).toThrow(GenerationConfigError);
  });
  it('resolves and validates request options against the limits', () => {
    const d = readGenerationDefaults({ max_length: 100, num_beams: 8 }, { bos_token_id: 0, eos_token_id: 1 });
    expect(resolveOptions(d, {}, { maxNewTokens: 20, maxBeams: 4 })).toEqual({ maxNewTokens: 20, minNewTokens: 0, numBeams: 4, repetitionPenalty: 1, noRepeatNgramSize: 0 });
    expect(() => resolveOptions(d, { numBeams: 5 }, { maxNewTokens: 20, maxBeams: 4 })).toThrow(InvalidInputError);
    expect(() => resolveOptions(d, { repetitionPenalty: 0 }, { maxNewTokens: 20, maxBeams: 4 })).toThrow(/repetition_penalty/);
  });
});

describe('logits processors', () => {
  it('repetition penalty divides positive and multiplies negative scores of seen tokens', () => {
    const s = Float32Array.of(2, -2, 2, -2);
    applyRepetitionPenalty(s, [0, 1, 1], 2);
    expect([...s]).toEqual([1, -4, 2, -2]);
  });
  it('no-repeat n-gram bans completions of earlier n-grams (transformers _get_ngrams)', () => {
    expect(bannedNgramTokens([5, 6, 7, 5, 6], 3)).toEqual([7]);
    expect(bannedNgramTokens([5, 6, 5, 7, 5], 2).sort()).toEqual([6, 7]);
    expect(bannedNgramTokens([5, 6], 3)).toEqual([]);
    expect(bannedNgramTokens([5, 6, 5], 1).sort()).toEqual([5, 6]);
  });
});

describe('alpha', () => {
  it('drop keeps stored colours; white composites like PIL', () => {
    const px = Uint8Array.of(10, 20, 30, 0, 10, 20, 30, 128, 10, 20, 30, 255);
    expect([...rgbaToRgb(px, 'drop')]).toEqual([10, 20, 30, 10, 20, 30, 10, 20, 30]);
    const w = rgbaToRgb(px, 'white');
    expect([...w.subarray(0, 3)]).toEqual([255, 255, 255]);
    expect([...w.subarray(6, 9)]).toEqual([10, 20, 30]);
    // 50% over white: (10 + 255) / 2 ≈ 132.
    expect(Math.abs(w[3] - 132)).toBeLessThanOrEqual(1);
  });
});

describe('preprocessor config', () => {
  it('accepts the integer size of ViTFeatureExtractor and defaults rescaling', () => {
    expect(parsePreprocessorConfig({ size: 224, resample: 2 })).toMatchObject({ width: 224, height: 224, resample: 'bilinear', rescaleFactor: 1 / 255, doRescale: true, doNormalize: true });
  });
  it.each([
    [{ size: { shortest_edge: 224 } }, /size/],
    [{ size: 224, do_center_crop: true }, /do_center_crop/],
    [{ size: 224, resample: 0 }, /resample 0/],
    [{ size: 224, do_resize: false }, /do_resize/],
  ])('refuses %j', (cfg, message) => {
    expect(() => parsePreprocessorConfig(cfg)).toThrow(PreprocessorConfigError);
    expect(() => parsePreprocessorConfig(cfg)).toThrow(message);
  });
});

describe('decoder signature', () => {
  const io = (names: string[], shape?: (number | string)[]) => names.map((name) => ({ name, shape }));
  const pastNames = (n: number, mid = '') => Array.from({ length: n }, (_, i) => [`past_key_values.${i}.${mid}key`, `past_key_values.${i}.${mid}value`]).flat();
  const present = (names: string[]) => names.map((n) => n.replace('past_key_values.', 'present.'));

  it('reads an Optimum merged decoder (self-attention pasts, use_cache_branch)', () => {
    const past = pastNames(2);
    const sig = readDecoderSignature('m.onnx', [...io(['input_ids', 'encoder_hidden_states', 'use_cache_branch']), ...io(past, ['batch', 4, 'past', 8])], io(['logits', ...present(past)]), {});
    expect(sig).toMatchObject({ useCacheBranch: true, attentionMask: undefined });
    expect(sig.past.map((p) => [p.name, p.present, p.cross, p.heads, p.headDim])[0]).toEqual(['past_key_values.0.key', 'present.0.key', false, 4, 8]);
  });
  it('reads seq2seq-style decoder/encoder pasts, masks and position ids; a with-past graph may omit cross presents', () => {
    const self = pastNames(1, 'decoder.');
    const cross = pastNames(1, 'encoder.');
    const sig = readDecoderSignature(
      'w.onnx',
      io(['input_ids', 'encoder_hidden_states', 'decoder_attention_mask', 'encoder_attention_mask', 'position_ids', ...self, ...cross], ['b', 2, 's', 4]),
      io(['logits', ...present(self)]),
      {},
    );
    expect(sig.attentionMask).toBe('decoder_attention_mask');
    expect(sig.past.filter((p) => p.cross).map((p) => p.present)).toEqual([undefined, undefined]);
  });
  it('takes heads from config.json when the graph leaves them symbolic', () => {
    const past = pastNames(1);
    const sig = readDecoderSignature('x.onnx', io(['input_ids', 'encoder_hidden_states', ...past], ['b', 'h', 'p', 'd']), io(['logits', ...present(past)]), { heads: 12, headDim: 64 });
    expect([sig.past[0].heads, sig.past[0].headDim]).toEqual([12, 64]);
  });
  it.each([
    ['an unknown input', ['input_ids', 'encoder_hidden_states', 'token_type_ids'], ['logits'], /unknown inputs token_type_ids/],
    ['no encoder_hidden_states', ['input_ids', 'pixel_values'], ['logits'], /no encoder_hidden_states input/],
    ['no logits', ['input_ids', 'encoder_hidden_states'], ['scores'], /no logits output/],
    ['a self past without present', ['input_ids', 'encoder_hidden_states', 'past_key_values.0.key'], ['logits'], /past_key_values\.0\.key has no present\.0\.key/],
  ])('refuses a graph with %s, naming the file', (_n, inputs, outputs, message) => {
    expect(() => readDecoderSignature('decoder_model_merged.onnx', io(inputs, ['b', 2, 'p', 4]), io(outputs), {})).toThrow(DecoderLayoutError);
    expect(() => readDecoderSignature('decoder_model_merged.onnx', io(inputs, ['b', 2, 'p', 4]), io(outputs), {})).toThrow(message);
  });
  it('checks that the first-step decoder produces every past the with-past decoder needs', () => {
    const past = pastNames(2);
    const next = readDecoderSignature('w.onnx', io(['input_ids', 'encoder_hidden_states', ...past], ['b', 2, 'p', 4]), io(['logits', ...present(past)]), {});
    const partial = readDecoderSignature('d.onnx', io(['input_ids', 'encoder_hidden_states']), io(['logits', 'present.0.key', 'present.0.value']), {});
    expect(() => checkSeparatePair('decoder_model.onnx', partial, next)).toThrow(/does not output present\.1\.key, present\.1\.value/);
  });
});

describe('caption tokenizer', () => {
  it('decodes BLIP ids: [DEC]/[SEP] dropped, word pieces joined, punctuation spaces cleaned', () => {
    const tok = new CaptionTokenizer(bertTokenizerJson([{ id: BLIP_TOKENS.dec, content: '[DEC]' }]), {});
    const ids = [BLIP_TOKENS.dec, ...tok.encode("a dog's toy , playing fetch ."), BLIP_TOKENS.sep];
    expect(tok.decode(ids)).toBe("a dog's toy, playing fetch.");
    expect(tok.decode([])).toBe('');
  });
  it('decodes GPT-2 byte-level ids without <|endoftext|> and trims the leading space', () => {
    const tok = new CaptionTokenizer(gpt2TokenizerJson(), {});
    const ids = [GPT2_EOS_ID, ...tok.encode(' a man riding a wave on top of a surfboard'), GPT2_EOS_ID];
    expect(tok.decode(ids)).toBe('a man riding a wave on top of a surfboard');
  });
});

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadServiceConfig({});
    expect(c).toMatchObject({
      CAPTIONER_PORT: 50053,
      CAPTIONER_MODELS: ['Salesforce/blip-image-captioning-base', 'nlpconnect/vit-gpt2-image-captioning'],
      CAPTIONER_ALPHA: 'drop',
      CAPTIONER_RESIZE: 'pil',
    });
  });
  it('lists every bad variable at once', () => {
    expect(() => loadServiceConfig({ CAPTIONER_MAX_BYTES: '0', CAPTIONER_ALPHA: 'black', CAPTIONER_MODELS: 'a,a' })).toThrow(ConfigError);
    try {
      loadServiceConfig({ CAPTIONER_MAX_BYTES: '0', CAPTIONER_ALPHA: 'black' });
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual(['CAPTIONER_ALPHA', 'CAPTIONER_MAX_BYTES']);
    }
  });
});

describe('hoisted values for beams: tiled from one row only when that is what the graph computes', () => {
  const f = (data: number[], dims: number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(data), dims);
  const one = { k: f([1, 2, 3], [1, 1, 3]) };
  it('accepts the one-row values repeated per row (within float rounding)', () => {
    expect(isTiled(one, { k: f([1, 2, 3, 1, 2, 3.000001], [2, 1, 3]) }, 2)).toBe(true);
  });
  it('refuses other values, other shapes, non-float values and a batch dimension that is not first', () => {
    expect(isTiled(one, { k: f([1, 2, 3, 1, 2, 4], [2, 1, 3]) }, 2)).toBe(false);
    expect(isTiled(one, { k: f([1, 2, 3, 1, 2, 3], [2, 3, 1]) }, 2)).toBe(false);
    expect(isTiled(one, { k: f([1, 2, 3, 1, 2, 3], [1, 2, 3]) }, 2)).toBe(false);
    const shape = { s: new ort.Tensor('int64', BigInt64Array.from([1n, 12n]), [2]) };
    expect(isTiled(shape, { s: new ort.Tensor('int64', BigInt64Array.from([2n, 12n]), [2]) }, 2)).toBe(false);
    expect(isTiled(one, {}, 2)).toBe(false);
  });
});
