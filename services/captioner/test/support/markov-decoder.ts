import type { DecoderSession } from '../../src/domain/generation';

/**
 * A fake decoder whose next-token logits depend only on the last token: `table[last]`. It records
 * what it was fed so tests can check the search drives it as a cached decoder would (one new token
 * per step after the first, rows reordered by beam).
 */
export class MarkovSession implements DecoderSession {
  readonly vocabSize: number;
  rows = 1;
  readonly fed: number[] = [];
  readonly reorders: number[][] = [];
  disposed = false;
  private lengths: number | undefined;

  constructor(private readonly table: readonly (readonly number[])[]) {
    this.vocabSize = table[0].length;
  }

  step(sequences: readonly (readonly number[])[]): Promise<Float32Array> {
    if (sequences.length !== this.rows) throw new Error(`fed ${sequences.length} rows, session holds ${this.rows}`);
    const len = sequences[0].length;
    if (this.lengths !== undefined && len !== this.lengths + 1) throw new Error(`sequence grew from ${this.lengths} to ${len}`);
    this.lengths = len;
    this.fed.push(sequences.length);
    const out = new Float32Array(sequences.length * this.vocabSize);
    sequences.forEach((seq, r) => out.set(this.table[seq[seq.length - 1]], r * this.vocabSize));
    return Promise.resolve(out);
  }

  reorder(sources: readonly number[]): void {
    for (const s of sources) if (s < 0 || s >= this.rows) throw new Error(`reorder from missing row ${s}`);
    this.reorders.push([...sources]);
    this.rows = sources.length;
  }

  dispose(): void {
    this.disposed = true;
  }
}

/** Seeded pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-probabilities from probabilities (the fake's logits; log-softmax leaves them unchanged). */
export function logs(probs: readonly number[]): number[] {
  return probs.map((p) => Math.log(p));
}
