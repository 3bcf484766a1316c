/**
 * Ranking metrics for one query with a set of relevant ids. Averages over queries are plain means.
 * Definitions follow the usual IR conventions (binary relevance):
 *   Recall@K  = |relevant ∩ top K| / |relevant|     (one relevant item: hit@K)
 *   RR        = 1 / rank of the first relevant item, 0 when none is ranked
 *   nDCG@K    = DCG@K / IDCG@K, DCG = Σ rel_i / log2(i + 1) over ranks i = 1..K
 */

export function recallAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (const id of ranked.slice(0, k)) if (relevant.has(id)) hits++;
  return hits / relevant.size;
}

export function reciprocalRank(ranked: readonly string[], relevant: ReadonlySet<string>): number {
  const i = ranked.findIndex((id) => relevant.has(id));
  return i < 0 ? 0 : 1 / (i + 1);
}

export function ndcgAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) idcg += 1 / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

export interface RankingSummary {
  queries: number;
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  mrr: number;
  ndcgAt10: number;
}

/** Accumulates per-query metrics into means. */
export class RankingAccumulator {
  private n = 0;
  private sums = { r1: 0, r5: 0, r10: 0, rr: 0, ndcg: 0 };

  add(ranked: readonly string[], relevant: ReadonlySet<string>): void {
    this.n++;
    this.sums.r1 += recallAtK(ranked, relevant, 1);
    this.sums.r5 += recallAtK(ranked, relevant, 5);
    this.sums.r10 += recallAtK(ranked, relevant, 10);
    this.sums.rr += reciprocalRank(ranked, relevant);
    this.sums.ndcg += ndcgAtK(ranked, relevant, 10);
  }

  summary(): RankingSummary {
    const d = this.n || 1;
    return {
      queries: this.n,
      recallAt1: this.sums.r1 / d,
      recallAt5: this.sums.r5 / d,
      recallAt10: this.sums.r10 / d,
      mrr: this.sums.rr / d,
      ndcgAt10: this.sums.ndcg / d,
    };
  }
}
