import { RankingAccumulator, ndcgAtK, recallAtK, reciprocalRank } from '../src/eval/retrieval-metrics';

const rel = (...ids: string[]) => new Set(ids);

describe('retrieval metrics (hand-computed)', () => {
  const ranked = ['a', 'b', 'c', 'd', 'e'];

  it('Recall@K counts relevant items in the top K over all relevant', () => {
    expect(recallAtK(ranked, rel('c'), 1)).toBe(0);
    expect(recallAtK(ranked, rel('c'), 3)).toBe(1);
    expect(recallAtK(ranked, rel('b', 'e', 'z'), 5)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(ranked, rel(), 5)).toBe(0);
  });

  it('RR is the inverse rank of the first relevant item', () => {
    expect(reciprocalRank(ranked, rel('a'))).toBe(1);
    expect(reciprocalRank(ranked, rel('d', 'e'))).toBe(0.25);
    expect(reciprocalRank(ranked, rel('z'))).toBe(0);
  });

  it('nDCG@K discounts by log2(rank + 1) and normalizes by the ideal ranking', () => {
    expect(ndcgAtK(ranked, rel('a'), 10)).toBe(1);
    // one relevant item at rank 3: (1/log2 4) / 1 = 0.5
    expect(ndcgAtK(ranked, rel('c'), 10)).toBeCloseTo(0.5, 12);
    // relevant at ranks 2 and 4: (1/log2 3 + 1/log2 5) / (1 + 1/log2 3)
    const want = (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3));
    expect(ndcgAtK(ranked, rel('b', 'd'), 10)).toBeCloseTo(want, 12);
    expect(ndcgAtK(ranked, rel('e'), 3)).toBe(0);
  });

  it('averages over queries', () => {
    const acc = new RankingAccumulator();
    acc.add(ranked, rel('a')); // r1 1, rr 1
    acc.add(ranked, rel('b')); // r1 0, r5 1, rr 0.5
    expect(acc.summary()).toMatchObject({ queries: 2, recallAt1: 0.5, recallAt5: 1, mrr: 0.75 });
  });
});
