/**
 * What a score threshold does to text → image results. For each threshold t, over all queries:
 *
 *   precision(t) = relevant images scoring ≥ t / all images scoring ≥ t   (null when none do)
 *   recall(t)    = queries whose relevant image scores ≥ t / queries
 *
 * "≥" because the search service keeps an image whose score equals the threshold. Each query has
 * exactly one relevant image (the image its caption was written for).
 */

export interface ThresholdPoint {
  threshold: number;
  precision: number | null;
  recall: number;
  /** Mean number of images a query returns at this threshold. */
  meanImagesAbove: number;
}

/** Thresholds 0, 0.05, …, 1 (rounded so they print and compare exactly). */
export const DEFAULT_THRESHOLDS: readonly number[] = Array.from({ length: 21 }, (_, i) => Math.round(i * 5) / 100);

export class ThresholdAccumulator {
  private queries = 0;
  private readonly above: number[];
  private readonly relevantAbove: number[];

  constructor(readonly thresholds: readonly number[] = DEFAULT_THRESHOLDS) {
    this.above = thresholds.map(() => 0);
    this.relevantAbove = thresholds.map(() => 0);
  }

  /**
   * Adds one query: the scores of every ranked image (any order) and the relevant image's score
   * (undefined when it was not ranked at all).
   */
  add(scores: readonly number[], relevantScore: number | undefined): void {
    this.queries++;
    this.thresholds.forEach((t, i) => {
      for (const s of scores) if (s >= t) this.above[i]++;
      if (relevantScore !== undefined && relevantScore >= t) this.relevantAbove[i]++;
    });
  }

  points(): ThresholdPoint[] {
    const q = this.queries || 1;
    return this.thresholds.map((threshold, i) => ({
      threshold,
      precision: this.above[i] === 0 ? null : this.relevantAbove[i] / this.above[i],
      recall: this.relevantAbove[i] / q,
      meanImagesAbove: this.above[i] / q,
    }));
  }
}
