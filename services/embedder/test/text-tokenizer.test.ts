import { readModelSpec } from '../src/domain/model-files';
import { padBatch, TextTokenizer } from '../src/domain/text-tokenizer';
import { MINILM_MODEL_ID, tinyModelsDir } from './helpers/fixture-models';

// The fixture's tokenizer.json is bert-base-uncased (the vocabulary of all-MiniLM-L6-v2); the
// expected ids below are what Hugging Face's BertTokenizerFast gives for the same strings.
describe('TextTokenizer (tokenizer.json of all-MiniLM-L6-v2)', () => {
  const fx = tinyModelsDir();
  const spec = readModelSpec(fx.modelsDir, MINILM_MODEL_ID, 'model.onnx');
  const tok = new TextTokenizer(spec.tokenizerJson, spec.tokenizerConfig, spec.maxTokens);
  afterAll(() => fx.cleanup());

  it('gives the Hugging Face ids for known sentences', () => {
    expect(tok.encode('Hello, my dog is cute')).toEqual([101, 7592, 1010, 2026, 3899, 2003, 10140, 102]);
    expect(tok.encode("I don't like it.")).toEqual([101, 1045, 2123, 1005, 1056, 2066, 2009, 1012, 102]);
  });

  it('splits unknown words into word pieces', () => {
    expect(tok.encode('tokenization embeddings')).toEqual([101, 19204, 3989, 7861, 8270, 4667, 2015, 102]);
    expect(tok.tokens(tok.encode('unaffable'))).toEqual(['[CLS]', 'una', '##ffa', '##ble', '[SEP]']);
  });

  it('lower-cases and strips accents like the uncased BERT normalizer', () => {
    const ids = tok.encode('Café naïve RÉSUMÉ Über');
    expect(tok.tokens(ids)).toEqual(['[CLS]', 'cafe', 'naive', 'resume', 'uber', '[SEP]']);
    expect(ids).toEqual(tok.encode('cafe naive resume uber'));
  });

  it('splits punctuation into its own tokens', () => {
    expect(tok.tokens(tok.encode('wow!!! (really?) a-b, c...'))).toEqual([
      '[CLS]', 'wow', '!', '!', '!', '(', 'really', '?', ')', 'a', '-', 'b', ',', 'c', '.', '.', '.', '[SEP]',
    ]);
  });

  it('puts each CJK character apart and treats tabs, newlines and control characters as spaces', () => {
    expect(tok.tokens(tok.encode('中国人x'))).toEqual(['[CLS]', '中', '国', '人', 'x', '[SEP]']);
    expect(tok.encode('a\t\n  b\u0000')).toEqual(tok.encode('a b'));
  });

  it('encodes the empty string and blank strings as just the special tokens', () => {
    expect(tok.encode('')).toEqual([101, 102]);
    expect(tok.encode('   \t\n')).toEqual([101, 102]);
  });

  it('truncates long texts to max_seq_length keeping [CLS] and [SEP]', () => {
    expect(spec.maxTokens).toBe(256); // sentence_bert_config.json, not the tokenizer's 512
    const long = Array.from({ length: 400 }, (_, i) => `word${i % 10}`).join(' ');
    const ids = tok.encode(long);
    expect(ids).toHaveLength(256);
    expect(ids[0]).toBe(101);
    expect(ids[255]).toBe(102);
    const short = tok.encode(Array.from({ length: 40 }, (_, i) => `word${i % 10}`).join(' '));
    // The kept part is the head of the text.
    expect(ids.slice(0, short.length - 1)).toEqual(short.slice(0, -1));
  });

  it('keeps texts of exactly the limit untouched', () => {
    const small = new TextTokenizer(spec.tokenizerJson, spec.tokenizerConfig, 5);
    expect(small.encode('a b c')).toEqual([101, 1037, 1038, 1039, 102]);
    expect(small.encode('a b c d')).toEqual([101, 1037, 1038, 1039, 102]);
  });

  it('pads a batch on the right with the pad id and a zero mask', () => {
    const b = padBatch([[101, 7, 102], [101, 102]], tok.padId);
    expect(tok.padId).toBe(0);
    expect(b.seqLen).toBe(3);
    expect([...b.ids].map(Number)).toEqual([101, 7, 102, 101, 102, 0]);
    expect([...b.mask]).toEqual([1, 1, 1, 1, 1, 0]);
  });
});
