import { planRuns } from '../src/domain/run-planner';

const cost = (lengths: number[], runs: number[][], overhead: number): number =>
  runs.reduce((s, r) => s + r.length * Math.max(...r.map((i) => lengths[i])) + overhead, 0);

describe('planRuns', () => {
  it('uses every text exactly once', () => {
    const lengths = [12, 30, 9, 14, 30, 7, 18, 25, 11, 16];
    const runs = planRuns(lengths);
    expect(runs.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
  });

  it('keeps texts of equal or close lengths in one run', () => {
    expect(planRuns([9, 9, 9, 9])).toEqual([[0, 1, 2, 3]]);
    expect(planRuns([10, 11])).toEqual([[0, 1]]);
  });

  it('separates short texts from long ones when the padding saved beats the cost of a run', () => {
    // One run: 6 x 100 + 16 = 616; two runs: 4 x 5 + 16 + 2 x 100 + 16 = 252.
    expect(planRuns([100, 5, 5, 100, 5, 5], 16)).toEqual([
      [1, 2, 4, 5],
      [0, 3],
    ]);
  });

  it('finds the cheapest split (exhaustive check on small batches)', () => {
    let seed = 3;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let t = 0; t < 200; t++) {
      const lengths = Array.from({ length: 1 + rand(7) }, () => 3 + rand(40));
      const got = cost(lengths, planRuns(lengths, 16), 16);
      // Exhaustive over every way to cut the sorted list.
      const sorted = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
      let bestCost = Infinity;
      for (let mask = 0; mask < 1 << (sorted.length - 1); mask++) {
        const runs: number[][] = [[]];
        sorted.forEach((idx, k) => {
          runs[runs.length - 1].push(idx);
          if (k < sorted.length - 1 && mask & (1 << k)) runs.push([]);
        });
        bestCost = Math.min(bestCost, cost(lengths, runs, 16));
      }
      expect(got).toBe(bestCost);
    }
  });

  it('handles empty and single batches', () => {
    expect(planRuns([])).toEqual([]);
    expect(planRuns([42])).toEqual([[0]]);
  });
});
