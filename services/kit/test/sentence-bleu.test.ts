/**
 * BLEU-4 reference values.
 *
 * "NLTK" values were produced with NLTK 3.8 (Debian python3-nltk) on the tokens shown:
 *   sentence_bleu(refs, hyp, smoothing_function=SmoothingFunction().method1)
 * They are pasted here; the tests never run Python. Three of them are also derived by hand below.
 */
import { bleuTokens, sentenceBleu } from '../src';

describe('sentence BLEU-4 (method1 smoothing)', () => {
  const cases: { refs: string[]; hyp: string; nltk: number }[] = [
    { refs: ['A dog runs on the grass .'], hyp: 'a dog runs on the grass.', nltk: 1.0 },
    {
      refs: ['A black dog is running on the grass .', 'The dog runs in a field .'],
      hyp: 'A black dog runs across the grass',
      nltk: 0.23119742295814,
    },
    // By hand: p1 = 3/3, p2 = 2/2, p3 = 1/1, p4 = 0/max(1,0) -> 0.1/1;
    // BP = exp(1 - 7/3); BLEU = exp(-4/3) * 0.1^(1/4) = 0.263597 * 0.562341 = 0.148232.
    { refs: ['A child kicks a red ball .'], hyp: 'a red ball', nltk: 0.148231563964381 },
    // No unigram in common: 0 whatever the smoothing.
    { refs: ['A boy swims in the sea .'], hyp: 'two cats sleeping', nltk: 0 },
    // By hand: p1 = 3/5 (a x2, man), p2 = 1/4 ("a man"), p3 = 0.1/3, p4 = 0.1/2; BP = exp(1 - 7/5);
    // BLEU = exp(-0.4) * (0.6 * 0.25 * 0.0333 * 0.05)^(1/4) = 0.670320 * 0.125743 = 0.084288.
    { refs: ['A man is riding a bicycle .'], hyp: 'a man rides a bike', nltk: 0.084288283447182 },
    // By hand: p1 = 2/7 (clipped), p2..p4 = 0.1/6, 0.1/5, 0.1/4; c = 7 > r = 6 so BP = 1;
    // BLEU = (2/7 * 1/60 * 1/50 * 1/40)^(1/4) = (2/840000)^(1/4) = 0.039281.
    { refs: ['the cat is on the mat'], hyp: 'the the the the the the the', nltk: 0.039281465090051 },
    // Tie on reference length (6 and 8 for 7 tokens) picks 6, so no brevity penalty.
    { refs: ['a b c d e f', 'a b c d e f g h'], hyp: 'a b c d e f g', nltk: 1.0 },
    {
      refs: ['Two dogs play in the snow .', 'Two dogs are playing together in the snow .', 'A pair of dogs run through snow .'],
      hyp: 'two dogs playing in the snow',
      nltk: 0.225092014216233,
    },
  ];

  test.each(cases)('$hyp', ({ refs, hyp, nltk }) => {
    expect(sentenceBleu(refs, hyp)).toBeCloseTo(nltk, 12);
  });

  test('is case and punctuation-spacing insensitive', () => {
    expect(sentenceBleu(['A dog, running.'], 'a dog , running .')).toBe(1);
  });

  test('edge cases: no references, empty hypothesis, empty reference strings', () => {
    expect(sentenceBleu([], 'a dog')).toBe(0);
    expect(sentenceBleu(['a dog'], '')).toBe(0);
    // An empty reference is ignored (it would otherwise set the brevity length to 0).
    expect(sentenceBleu(['', 'a dog runs on grass'], 'a dog runs on grass')).toBe(1);
    expect(bleuTokens([[]], [])).toBe(0);
  });

  test('stays within [0, 1] on random inputs', () => {
    const vocab = ['a', 'dog', 'runs', 'the', 'grass', '.', 'red', 'ball'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const sentence = () => Array.from({ length: 1 + Math.floor(rnd() * 10) }, () => vocab[Math.floor(rnd() * vocab.length)]).join(' ');
    for (let i = 0; i < 200; i++) {
      const v = sentenceBleu([sentence(), sentence()], sentence());
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});
