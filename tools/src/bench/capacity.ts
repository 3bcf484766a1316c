/**
 * The capacity model: how many gateway, captioner, embedder and search pods a query rate and a
 * collection size need, from the per-request CPU costs and per-vector memory the benchmarks
 * measured. Pods are sized by CPU at a target utilization (headroom for bursts and p99); search is
 * sharded when the collection outgrows one generation (4 GiB of vectors, SEARCH_MAX_VECTORS) or a
 * pod's memory, and every query visits every shard.
 */

/** Measured costs the model is derived from. */
export interface CapacityCosts {
  /** CPU seconds per text query, by process. */
  text: { gateway: number; embedder: number; search: number };
  /** CPU seconds per image query, by process. */
  image: { gateway: number; captioner: number; embedder: number; search: number };
  /** Collection size the search costs above were measured at. */
  measuredAtVectors: number;
  /** Search domain CPU ms per query: exact = intercept + slope · vectors. */
  exactMs: { intercept: number; perVector: number };
  /** Search domain CPU ms per approximate query (largest size measured). */
  approximateMs: number;
  /** Resident bytes per vector of a serving process: exact only and with the approximate index. */
  bytesPerVector: { exact: number; approximate: number };
  /** Captions per second one embedder pod indexes (for re-index time). */
  indexingCaptionsPerSecondPerPod: number;
}

export interface PodShape {
  cores: number;
  /** Planned CPU utilization (0..1). */
  utilization: number;
  memoryBytes: number;
  /** Resident memory of a search process with no data. */
  searchBaseBytes: number;
  /** Most vectors one generation holds (SEARCH_MAX_VECTORS, under the 4 GiB store limit). */
  shardMaxVectors: number;
  /** Collections at least this large get the approximate index (SEARCH_ANN_THRESHOLD). */
  annThreshold: number;
}

export const DEFAULT_POD: PodShape = {
  cores: 2,
  utilization: 0.6,
  memoryBytes: 8 * 2 ** 30,
  searchBaseBytes: 200 * 2 ** 20,
  shardMaxVectors: 2_000_000,
  annThreshold: 200_000,
};

export interface Load {
  textPerSecond: number;
  imagesPerSecond: number;
  vectors: number;
}

export interface Plan {
  gateway: number;
  captioner: number;
  embedder: number;
  search: { shards: number; replicasPerShard: number; pods: number; vectorsPerShard: number; approximate: boolean; memoryPerPodBytes: number };
  /** CPU ms one query costs each search shard. */
  searchCpuMsPerQuery: number;
  /** Hours one embedder pod needs to (re-)embed the collection; divide by the embedder pods. */
  reindexHoursOnePod: number;
}

const pods = (cpuSecondsPerSecond: number, pod: PodShape, min: number): number =>
  Math.max(min, Math.ceil(cpuSecondsPerSecond / (pod.cores * pod.utilization) - 1e-9));

/** Search CPU ms per query on a shard of `vectors`, beyond the gRPC/handler overhead. */
export function searchDomainMs(c: CapacityCosts, vectors: number, pod: PodShape = DEFAULT_POD): number {
  return vectors >= pod.annThreshold ? c.approximateMs : c.exactMs.intercept + c.exactMs.perVector * vectors;
}

export function plan(load: Load, c: CapacityCosts, pod: PodShape = DEFAULT_POD): Plan {
  const approximate = load.vectors / Math.max(1, Math.ceil(load.vectors / pod.shardMaxVectors)) >= pod.annThreshold;
  const perVector = approximate ? c.bytesPerVector.approximate : c.bytesPerVector.exact;
  const byMemory = Math.max(1, Math.floor((pod.memoryBytes - pod.searchBaseBytes) / perVector));
  const shardCap = Math.min(pod.shardMaxVectors, byMemory);
  const shards = Math.max(1, Math.ceil(load.vectors / shardCap));
  const vectorsPerShard = Math.ceil(load.vectors / shards);
  // The search process's per-request overhead (gRPC, decoding, ranking output) is what the
  // end-to-end run measured minus the domain's own cost at that collection size.
  const overheadMs = Math.max(0, c.text.search * 1000 - searchDomainMs(c, c.measuredAtVectors, pod));
  const searchCpuMsPerQuery = overheadMs + searchDomainMs(c, vectorsPerShard, pod);
  const queries = load.textPerSecond + load.imagesPerSecond;
  const replicasPerShard = pods((queries * searchCpuMsPerQuery) / 1000, pod, 1);
  return {
    gateway: pods(load.textPerSecond * c.text.gateway + load.imagesPerSecond * c.image.gateway, pod, 1),
    captioner: load.imagesPerSecond > 0 ? pods(load.imagesPerSecond * c.image.captioner, pod, 1) : 0,
    embedder: pods(load.textPerSecond * c.text.embedder + load.imagesPerSecond * c.image.embedder, pod, 1),
    search: {
      shards,
      replicasPerShard,
      pods: shards * replicasPerShard,
      vectorsPerShard,
      approximate,
      memoryPerPodBytes: pod.searchBaseBytes + vectorsPerShard * perVector,
    },
    searchCpuMsPerQuery,
    reindexHoursOnePod: load.vectors / c.indexingCaptionsPerSecondPerPod / 3600,
  };
}

/** Least-squares line through (x, y) points. */
export function fitLine(points: ReadonlyArray<[number, number]>): { intercept: number; slope: number } {
  const n = points.length;
  if (n === 0) return { intercept: 0, slope: 0 };
  if (n === 1) return { intercept: 0, slope: points[0][1] / points[0][0] };
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { intercept: Math.max(0, my - slope * mx), slope };
}
