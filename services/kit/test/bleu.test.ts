/**
 * BLEU reference values.
 *
 * "NLTK" values were produced with NLTK 3.8 (Debian python3-nltk, `nltk.translate.bleu_score`) on the
 * tokens of `tokenize`, e.g. `corpus_bleu(refs, hyps, weights=(0.25,)*4, smoothing_function=
 * SmoothingFunction().method1)`. They are pasted here; the tests never run Python. The ones marked
 * "by hand" are also derived in the comments. Where NLTK without smoothing returns a value below
 * 1e-76 (its method0 replaces a zero precision by the smallest float), this module returns exactly 0.
 */
import { bleuTokens, brevityPenalty, closestRefLength, corpusBleu, corpusBleuTokens, modifiedPrecision, sentenceBleu, tokenize } from '../src';

const toks = (s: string): string[] => s.split(' ');

describe('tokenize', () => {
  it('lowercases and separates punctuation from words, keeping inner apostrophes', () => {
    expect(tokenize('A dog runs on the grass.')).toEqual(['a', 'dog', 'runs', 'on', 'the', 'grass', '.']);
    expect(tokenize('Two dogs, playing!')).toEqual(['two', 'dogs', ',', 'playing', '!']);
    expect(tokenize("The dog's ball")).toEqual(['the', "dog's", 'ball']);
    expect(tokenize('  ')).toEqual([]);
    expect(tokenize('Ein Mädchen läuft')).toEqual(['ein', 'mädchen', 'läuft']);
  });
});

describe('pieces', () => {
  it('clips by the most frequent reference count and floors the denominator at 1', () => {
    expect(modifiedPrecision([toks('the cat is on the mat')], toks('the the the the the the the'), 1)).toEqual({ numerator: 2, denominator: 7 });
    expect(modifiedPrecision([toks('a b c d')], toks('a b c'), 4)).toEqual({ numerator: 0, denominator: 1 });
  });

  it('closest reference length prefers the shorter one on a tie', () => {
    expect(closestRefLength([[...'abcdef'], [...'abcdefgh']], 7)).toBe(6);
    expect(closestRefLength([[...'abcdefgh'], [...'abcdef']], 7)).toBe(6);
    expect(closestRefLength([[...'ab'], [...'abcdefgh']], 7)).toBe(8);
  });

  it('brevity penalty', () => {
    expect(brevityPenalty(6, 7)).toBe(1);
    expect(brevityPenalty(7, 7)).toBe(1);
    expect(brevityPenalty(7, 0)).toBe(0);
    expect(brevityPenalty(7, 3)).toBeCloseTo(Math.exp(-4 / 3), 12);
  });
});

describe('sentence BLEU', () => {
  // The gateway's API semantics: BLEU-4, method1 (what `bleu` in /v1/search/image answers).
  const method1Cases: { refs: string[]; hyp: string; nltk: number }[] = [
    { refs: ['A dog runs on the grass .'], hyp: 'a dog runs on the grass.', nltk: 1.0 },
    { refs: ['A black dog is running on the grass .', 'The dog runs in a field .'], hyp: 'A black dog runs across the grass', nltk: 0.23119742295814 },
    // By hand: p1..p3 = 1, p4 = 0.1/1; BP = exp(1 − 7/3); exp(−4/3) · 0.1^(1/4) = 0.148232.
    { refs: ['A child kicks a red ball .'], hyp: 'a red ball', nltk: 0.148231563964381 },
    { refs: ['A boy swims in the sea .'], hyp: 'two cats sleeping', nltk: 0 },
    // By hand: p = 3/5, 1/4, 0.1/3, 0.1/2; BP = exp(1 − 7/5); 0.670320 · 0.125743 = 0.084288.
    { refs: ['A man is riding a bicycle .'], hyp: 'a man rides a bike', nltk: 0.084288283447182 },
    { refs: ['the cat is on the mat'], hyp: 'the the the the the the the', nltk: 0.039281465090051 },
    { refs: ['a b c d e f', 'a b c d e f g h'], hyp: 'a b c d e f g', nltk: 1.0 },
    {
      refs: ['Two dogs play in the snow .', 'Two dogs are playing together in the snow .', 'A pair of dogs run through snow .'],
      hyp: 'two dogs playing in the snow',
      nltk: 0.225092014216233,
    },
  ];

  it.each(method1Cases)('method1 (default): $hyp', ({ refs, hyp, nltk }) => {
    expect(sentenceBleu(refs, hyp)).toBeCloseTo(nltk, 12);
    expect(sentenceBleu(refs, hyp, { smoothing: 'method1', maxN: 4 })).toBe(sentenceBleu(refs, hyp));
  });

  it('is case and punctuation-spacing insensitive', () => {
    expect(sentenceBleu(['A dog, running.'], 'a dog , running .')).toBe(1);
  });

  it('without smoothing: equal to method1 when every order matches, 0 when one does not', () => {
    // Every order has a match, so smoothing changes nothing: NLTK gives 0.6434588841607617 both ways.
    // By hand: p = 6/7, 4/6, 3/5, 2/4; c = r = 7, BP = 1; (6/7 · 2/3 · 3/5 · 1/2)^(1/4) = (6/35)^(1/4).
    const refs = ['A man is riding a bicycle .'];
    expect(sentenceBleu(refs, 'a man is riding a bike .', { smoothing: 'none' })).toBeCloseTo(0.6434588841607617, 12);
    expect(sentenceBleu(refs, 'a man is riding a bike .', { smoothing: 'none' })).toBeCloseTo((6 / 35) ** 0.25, 12);
    expect(sentenceBleu(refs, 'a man is riding a bike .', { smoothing: 'method1' })).toBeCloseTo(0.6434588841607617, 12);
    // "a man rides a bike" has no 3-gram match: NLTK method0 gives 6.2e-155, this module 0.
    expect(sentenceBleu(refs, 'a man rides a bike', { smoothing: 'none' })).toBe(0);
    expect(sentenceBleu(refs, 'a man rides a bike', { smoothing: 'method1' })).toBeCloseTo(0.084288283447182, 12);
    // BLEU-2 of the same pair needs no smoothing: BP · sqrt(3/5 · 1/4) = 0.670320 · 0.387298 (NLTK 0.259613837492502).
    expect(sentenceBleu(refs, 'a man rides a bike', { smoothing: 'none', maxN: 2 })).toBeCloseTo(0.259613837492502, 12);
  });

  it('edge cases: no references, empty hypothesis, empty reference strings, bad order', () => {
    expect(sentenceBleu([], 'a dog')).toBe(0);
    expect(sentenceBleu(['a dog'], '')).toBe(0);
    expect(sentenceBleu(['', 'a dog runs on grass'], 'a dog runs on grass')).toBe(1);
    expect(bleuTokens([[]], [])).toBe(0);
    expect(() => sentenceBleu(['a'], 'a', { maxN: 0 })).toThrow(RangeError);
  });

  it('stays within [0, 1] and smoothing never lowers the score', () => {
    const vocab = ['a', 'dog', 'runs', 'the', 'grass', '.', 'red', 'ball'];
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const sentence = (): string => Array.from({ length: 1 + Math.floor(rnd() * 10) }, () => vocab[Math.floor(rnd() * vocab.length)]).join(' ');
    for (let i = 0; i < 200; i++) {
      const refs = [sentence(), sentence()];
      const hyp = sentence();
      const smoothed = sentenceBleu(refs, hyp);
      const plain = sentenceBleu(refs, hyp, { smoothing: 'none' });
      expect(smoothed).toBeGreaterThanOrEqual(0);
      expect(smoothed).toBeLessThanOrEqual(1);
      expect(smoothed).toBeGreaterThanOrEqual(plain);
    }
  });
});

describe('corpus BLEU', () => {
  it('sums clipped counts and lengths over the corpus (by hand, no smoothing needed)', () => {
    // seg 1: "a b c" vs "a b c d": p1 3/3, p2 2/2, p3 1/1, p4 0/max(1,0) = 0/1; c 3, r 4.
    // seg 2: "a b c d e" vs "a b c d": p1 4/5, p2 3/4, p3 2/3, p4 1/2; c 5, r 4.
    // Corpus: p1 7/8, p2 5/6, p3 3/4, p4 1/3; c = r = 8, BP = 1. Segment 1 alone would score 0
    // unsmoothed: corpus BLEU is not a mean of sentence BLEU.
    const out = corpusBleuTokens([
      { references: [toks('a b c d')], hypothesis: toks('a b c') },
      { references: [toks('a b c d')], hypothesis: toks('a b c d e') },
    ]);
    expect(out.precisions).toEqual([
      { numerator: 7, denominator: 8 },
      { numerator: 5, denominator: 6 },
      { numerator: 3, denominator: 4 },
      { numerator: 1, denominator: 3 },
    ]);
    expect(out).toMatchObject({ hypothesisLength: 8, referenceLength: 8, brevityPenalty: 1, segments: 2 });
    const want = [7 / 8, Math.sqrt((7 / 8) * (5 / 6)), ((7 / 8) * (5 / 6) * (3 / 4)) ** (1 / 3), ((7 / 8) * (5 / 6) * (3 / 4) * (1 / 3)) ** 0.25];
    const nltk = [0.875, 0.8539125638299666, 0.8177665775471474, 0.6534189176286399];
    out.bleu.forEach((b, i) => {
      expect(b).toBeCloseTo(want[i], 12);
      expect(b).toBeCloseTo(nltk[i], 12);
    });
  });

  it('with and without method1 smoothing (by hand and NLTK)', () => {
    // seg 1: "the" × 7 vs "the cat is on the mat": p1 2/7, p2 0/6, p3 0/5, p4 0/4; c 7, r 6.
    // seg 2: "a man rides a bike" vs "a man is riding a bicycle .": p1 3/5, p2 1/4, p3 0/3, p4 0/2; c 5, r 7.
    // Corpus: p1 5/12, p2 1/10, p3 0/8, p4 0/6; c 12, r 13, BP = exp(−1/12).
    const items = [
      { references: ['the cat is on the mat'], hypothesis: 'the the the the the the the' },
      { references: ['A man is riding a bicycle .'], hypothesis: 'a man rides a bike' },
    ];
    const bp = Math.exp(-1 / 12);
    const plain = corpusBleu(items);
    expect(plain.brevityPenalty).toBeCloseTo(bp, 12);
    expect(plain.bleu[0]).toBeCloseTo(bp * (5 / 12), 12);
    expect(plain.bleu[1]).toBeCloseTo(bp * Math.sqrt((5 / 12) * (1 / 10)), 12);
    expect(plain.bleu[0]).toBeCloseTo(0.38335183942888473, 12);
    expect(plain.bleu[1]).toBeCloseTo(0.18780327971162342, 12);
    expect(plain.bleu.slice(2)).toEqual([0, 0]);

    const smoothed = corpusBleu(items, { smoothing: 'method1' });
    expect(smoothed.bleu[0]).toBe(plain.bleu[0]);
    expect(smoothed.bleu[1]).toBe(plain.bleu[1]);
    // BLEU-3: BP · (5/12 · 1/10 · 0.1/8)^(1/3); BLEU-4: BP · (5/12 · 1/10 · 0.1/8 · 0.1/6)^(1/4).
    expect(smoothed.bleu[2]).toBeCloseTo(bp * ((5 / 12) * (1 / 10) * (0.1 / 8)) ** (1 / 3), 12);
    expect(smoothed.bleu[3]).toBeCloseTo(bp * ((5 / 12) * (1 / 10) * (0.1 / 8) * (0.1 / 6)) ** 0.25, 12);
    expect(smoothed.bleu[2]).toBeCloseTo(0.07402442630752605, 12);
    expect(smoothed.bleu[3]).toBeCloseTo(0.04993967059615694, 12);
  });

  it('matches NLTK on captions with several references', () => {
    const items = [
      { references: ['A black dog is running on the grass .', 'The dog runs in a field .'], hypothesis: 'A black dog runs across the grass' },
      { references: ['A child kicks a red ball .'], hypothesis: 'a red ball' },
      { references: ['Two dogs play in the snow .', 'Two dogs are playing together in the snow .'], hypothesis: 'two dogs playing in the snow' },
    ];
    const plain = corpusBleu(items).bleu;
    [0.6858896521374767, 0.5894109382144554, 0.42404655290229665].forEach((v, i) => expect(plain[i]).toBeCloseTo(v, 12));
    expect(plain[3]).toBe(0); // no 4-gram matches anywhere (NLTK method0: 5.9e-78)
    expect(corpusBleu(items, { smoothing: 'method1' }).bleu[3]).toBeCloseTo(0.16250188373475186, 12);
  });

  it('a corpus of one segment equals sentence BLEU with the same smoothing', () => {
    const refs = ['Two dogs play in the snow .', 'Two dogs are playing together in the snow .', 'A pair of dogs run through snow .'];
    const hyp = 'two dogs playing in the snow';
    expect(corpusBleu([{ references: refs, hypothesis: hyp }], { smoothing: 'method1' }).bleu[3]).toBeCloseTo(sentenceBleu(refs, hyp), 14);
  });

  it('skips segments without references; an empty corpus scores 0', () => {
    expect(corpusBleu([])).toMatchObject({ bleu: [0, 0, 0, 0], segments: 0, brevityPenalty: 0 });
    const one = corpusBleu([{ references: ['a b c d'], hypothesis: 'a b c d' }, { references: [''], hypothesis: 'x y' }]);
    expect(one.segments).toBe(1);
    expect(one.bleu).toEqual([1, 1, 1, 1]);
    expect(corpusBleu([{ references: ['a b'], hypothesis: 'c d' }]).bleu).toEqual([0, 0, 0, 0]);
  });
});
