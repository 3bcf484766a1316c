import { DeadlineError } from '@tit/kit';
import { beamSearch, greedy, search, type SearchParams } from '../src/domain/generation';
import { logSoftmaxInPlace, processScores } from '../src/domain/logits-processors';
import { logs, MarkovSession, rng } from './support/markov-decoder';

const EOS = 0;
const START = 1;

/**
 * Vocabulary 0 eos, 1 start, 2 A, 3 B, 4 C, 5 D. Greedy takes the likelier first step A, then the
 * best continuation C (A C: 0.5 x 0.35 x 0.9 = 0.158); beam search keeps B, whose continuation D is
 * almost certain (B D: 0.4 x 0.95 x 0.95 = 0.361).
 */
const TABLE = [
  logs([0.2, 0.16, 0.16, 0.16, 0.16, 0.16]), // after eos (never used)
  logs([0.01, 0.0, 0.5, 0.4, 0.05, 0.04].map((p) => p || 1e-9)), // after start
  logs([0.3, 0.0, 0.0, 0.0, 0.36, 0.34].map((p) => p || 1e-9)), // after A
  logs([0.01, 0.0, 0.01, 0.01, 0.02, 0.95].map((p) => p || 1e-9)), // after B
  logs([0.9, 0.0, 0.04, 0.03, 0.0, 0.03].map((p) => p || 1e-9)), // after C
  logs([0.95, 0.0, 0.02, 0.01, 0.01, 0.01].map((p) => p || 1e-9)), // after D
];

const base: SearchParams = {
  maxNewTokens: 10,
  minNewTokens: 0,
  numBeams: 1,
  repetitionPenalty: 1,
  noRepeatNgramSize: 0,
  lengthPenalty: 1,
  earlyStopping: false,
  eosTokenIds: [EOS],
  prefix: [START],
};

describe('greedy decoding', () => {
  it('takes the arg-max at every step and stops at the end token', async () => {
    const session = new MarkovSession(TABLE);
    const r = await greedy(session, base);
    expect(r.tokens).toEqual([2, 4]);
    expect(r.steps).toBe(3);
    expect(session.reorders).toEqual([]);
  });

  it('stops after max_new_tokens without an end token', async () => {
    const r = await greedy(new MarkovSession(TABLE), { ...base, maxNewTokens: 1 });
    expect(r.tokens).toEqual([2]);
    expect(r.steps).toBe(1);
  });

  it('min_new_tokens forbids the end token until reached', async () => {
    const r = await greedy(new MarkovSession(TABLE), { ...base, minNewTokens: 3 });
    // After A C the end token is still banned, so C's next best (A, 0.04) follows; after A C A it
    // is allowed but A's best is C, and then C's end token.
    expect(r.tokens).toEqual([2, 4, 2, 4]);
    const r2 = await greedy(new MarkovSession(TABLE), { ...base, minNewTokens: 5 });
    expect(r2.tokens).toEqual([2, 4, 2, 4, 2, 4]);
  });

  it('no_repeat_ngram_size bans a repeated n-gram', async () => {
    // A loop table: after 2 always 3, after 3 always 2 (eos unlikely): 2 3 2 3 ...
    const loop = [logs([0.5, 0.1, 0.2, 0.2]), logs([0.01, 0.01, 0.97, 0.01]), logs([0.01, 0.01, 0.01, 0.97]), logs([0.01, 0.01, 0.97, 0.01])];
    const plain = await greedy(new MarkovSession(loop), { ...base, maxNewTokens: 6 });
    expect(plain.tokens).toEqual([2, 3, 2, 3, 2, 3]);
    const banned = await greedy(new MarkovSession(loop), { ...base, maxNewTokens: 6, noRepeatNgramSize: 2 });
    // "2 3" may occur once; after "2 3 2" the bigram (2,3) is banned, so 2's next best wins.
    expect(banned.tokens.slice(0, 3)).toEqual([2, 3, 2]);
    expect(banned.tokens[3]).not.toBe(3);
  });

  it('repetition_penalty makes an already generated token less likely', async () => {
    const loop = [logs([0.5, 0.1, 0.2, 0.2]), logs([0.01, 0.01, 0.6, 0.38]), logs([0.01, 0.01, 0.6, 0.38]), logs([0.01, 0.01, 0.6, 0.38])];
    const plain = await greedy(new MarkovSession(loop), { ...base, maxNewTokens: 3 });
    expect(plain.tokens).toEqual([2, 2, 2]);
    // log(0.6) = -0.51 becomes -0.51 x 2 = -1.02 < log(0.38) = -0.97 once 2 was generated.
    const penalised = await greedy(new MarkovSession(loop), { ...base, maxNewTokens: 3, repetitionPenalty: 2 });
    expect(penalised.tokens).toEqual([2, 3, 2]);
  });

  it('stops with DeadlineError when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(greedy(new MarkovSession(TABLE), base, ac.signal)).rejects.toBeInstanceOf(DeadlineError);
  });
});

describe('beam search', () => {
  it('finds the caption greedy misses', async () => {
    const session = new MarkovSession(TABLE);
    const r = await beamSearch(session, { ...base, numBeams: 2 });
    expect(r.tokens).toEqual([3, 5]);
    // First step on one row, then expanded to the beams (all continuing row 0), then one row per beam.
    expect(session.fed[0]).toBe(1);
    expect(session.reorders[0]).toEqual([0, 0]);
    expect(session.fed.slice(1).every((rows) => rows === 2)).toBe(true);
    expect(await search(new MarkovSession(TABLE), { ...base, numBeams: 1 })).toMatchObject({ tokens: [2, 4] });
  });

  it('with one beam that cannot end early equals greedy', async () => {
    const g = await greedy(new MarkovSession(TABLE), { ...base, maxNewTokens: 5 });
    const b = await beamSearch(new MarkovSession(TABLE), { ...base, maxNewTokens: 5, numBeams: 1 });
    expect(b.tokens).toEqual(g.tokens);
  });

  /** Every possible finished sequence, scored exactly as beam hypotheses are. */
  function exhaustive(table: number[][], p: SearchParams): { tokens: number[]; score: number }[] {
    const all: { tokens: number[]; score: number }[] = [];
    const visit = (seq: number[], sum: number): void => {
      const V = table[0].length;
      const row = Float32Array.from(table[seq[seq.length - 1]]);
      logSoftmaxInPlace(row);
      processScores(row, seq, { ...p, prefixLength: p.prefix.length });
      const newLen = seq.length - p.prefix.length;
      for (let t = 0; t < V; t++) {
        const s = sum + row[t];
        if (p.eosTokenIds.includes(t)) {
          all.push({ tokens: seq.slice(p.prefix.length), score: s / (newLen + 1) ** p.lengthPenalty });
        } else if (newLen + 1 === p.maxNewTokens) {
          all.push({ tokens: [...seq.slice(p.prefix.length), t], score: s / (newLen + 1) ** p.lengthPenalty });
        } else {
          visit([...seq, t], s);
        }
      }
    };
    visit([...p.prefix], 0);
    return all;
  }

  it.each([
    ['length_penalty 1', { lengthPenalty: 1 }],
    ['length_penalty 0', { lengthPenalty: 0 }],
    ['length_penalty 2, repetition penalty 1.5', { lengthPenalty: 2, repetitionPenalty: 1.5 }],
    ['no_repeat_ngram 2, min_new_tokens 2', { noRepeatNgramSize: 2, minNewTokens: 2 }],
  ])('equals exhaustive search on a small vocabulary (%s)', async (_name, extra) => {
    let checked = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      // Vocabulary of 4 (0 = eos, 3 = start), sharp random distributions.
      const table = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => (r() - 0.5) * 8));
      const p: SearchParams = { ...base, ...extra, maxNewTokens: 4, numBeams: 128, prefix: [3] };
      const all = exhaustive(table, p);
      const bestScore = Math.max(...all.map((c) => c.score));
      // Markov chains produce exact ties (the same transitions in another order): any best one is right.
      const best = all.filter((c) => Math.abs(c.score - bestScore) < 1e-5).map((c) => c.tokens.join(' '));
      const got = await beamSearch(new MarkovSession(table), p);
      expect({ seed, best: best.includes(got.tokens.join(' ')) }).toEqual({ seed, best: true });
      expect(got.score).toBeCloseTo(bestScore, 4);
      checked += best.length === 1 ? 1 : 0;
    }
    // Most seeds have a unique optimum, so the test is not satisfied by ties alone.
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('early_stopping true stops once numBeams hypotheses are finished', async () => {
    const session = new MarkovSession(TABLE);
    const r = await beamSearch(session, { ...base, numBeams: 2, earlyStopping: true, maxNewTokens: 10 });
    expect(r.tokens).toEqual([3, 5]);
    expect(r.steps).toBeLessThanOrEqual(4);
  });
});
