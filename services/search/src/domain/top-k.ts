/**
 * Bounded selection of the k best (score, index) pairs with a min-heap: O(n log k) time and O(k)
 * memory, instead of sorting all n candidates. Ties are broken by the smaller index, so results are
 * deterministic whatever the insertion order.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly ids: Int32Array;
  private size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.ids = new Int32Array(k);
  }

  /** Number of entries held (≤ k). */
  get length(): number {
    return this.size;
  }

  /** True when (a, ia) ranks below (b, ib): lower score, or equal score and larger index. */
  private static worse(a: number, ia: number, b: number, ib: number): boolean {
    return a < b || (a === b && ia > ib);
  }

  /** The score an entry must beat to enter once the heap is full; -Infinity before. */
  get floor(): number {
    return this.size < this.k ? -Infinity : this.scores[0];
  }

  push(score: number, id: number): void {
    const { scores, ids } = this;
    if (this.size < this.k) {
      // sift up
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!TopK.worse(score, id, scores[parent], ids[parent])) break;
        scores[i] = scores[parent]!;
        ids[i] = ids[parent]!;
        i = parent;
      }
      scores[i] = score;
      ids[i] = id;
      return;
    }
    if (this.k === 0 || !TopK.worse(scores[0], ids[0], score, id)) return;
    // replace the root and sift down
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && TopK.worse(scores[r], ids[r], scores[l], ids[l]) ? r : l;
      if (!TopK.worse(scores[c], ids[c], score, id)) break;
      scores[i] = scores[c]!;
      ids[i] = ids[c]!;
      i = c;
    }
    scores[i] = score;
    ids[i] = id;
  }

  /** The held entries, best first. */
  sorted(): Array<{ id: number; score: number }> {
    const out: Array<{ id: number; score: number }> = [];
    for (let i = 0; i < this.size; i++) out.push({ id: this.ids[i], score: this.scores[i] });
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }
}
