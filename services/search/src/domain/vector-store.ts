import { instantiateDotKernel, wasm, type DotsFn, type WasmMemory } from './dot-kernel';

const PAGE = 65536;
/** WebAssembly memories (and so one generation's store) hold at most 4 GiB. */
export const MAX_STORE_BYTES = 65536 * PAGE;

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** Bytes a store of `count` vectors of `dimensions` needs (query, scores and vectors). */
export function storeBytes(count: number, dimensions: number): number {
  const stride = roundUp(dimensions, 4);
  return stride * 4 + roundUp(count, 4) * 4 + count * stride * 4;
}

/**
 * The vectors of one committed generation: L2-normalized float32, one contiguous block sized
 * exactly for them (no growth slack), inside one shared WebAssembly memory laid out as
 *
 *   [ query: stride floats | scores: count floats (rounded to 4) | vectors: count × stride floats ]
 *
 * with stride = dimensions rounded up to 4 (zero padding; 0 for the usual 384/512/768). Exact
 * search is one kernel call that writes every caption's cosine similarity into `scores`.
 * Falls back to a JavaScript loop where WebAssembly SIMD is missing.
 */
export class VectorStore {
  readonly stride: number;
  /** All vectors, `stride` apart. */
  readonly vectors: Float32Array;
  /** Scores written by the last scoring call, one per vector. */
  readonly scores: Float32Array;
  private readonly query: Float32Array;
  private readonly memory: WasmMemory;
  private readonly dots: DotsFn | null;
  private readonly queryPtr = 0;
  private readonly scoresPtr: number;
  readonly vectorsPtr: number;

  constructor(
    readonly count: number,
    readonly dimensions: number,
  ) {
    this.stride = roundUp(dimensions, 4);
    const bytes = storeBytes(count, dimensions);
    if (bytes > MAX_STORE_BYTES) {
      throw new RangeError(`a store of ${count} × ${dimensions} vectors needs ${bytes} bytes, over the 4 GiB limit`);
    }
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    this.memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    this.scoresPtr = this.stride * 4;
    this.vectorsPtr = this.scoresPtr + roundUp(count, 4) * 4;
    const buf = this.memory.buffer;
    this.query = new Float32Array(buf, this.queryPtr, this.stride);
    this.scores = new Float32Array(buf, this.scoresPtr, count);
    this.vectors = new Float32Array(buf, this.vectorsPtr, count * this.stride);
    this.dots = instantiateDotKernel(this.memory);
  }

  /** The shared buffer (for the approximate index's worker). */
  get buffer(): SharedArrayBuffer {
    return this.memory.buffer as unknown as SharedArrayBuffer;
  }

  /** Bytes reserved for this store (vectors, query and scores). */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** count × dimensions × 4: the vectors without padding or scratch. */
  get rawBytes(): number {
    return this.count * this.dimensions * 4;
  }

  /** Whether scoring runs in WebAssembly SIMD (false: the JavaScript fallback). */
  get simd(): boolean {
    return this.dots !== null;
  }

  /** Vector i (a view, `dimensions` long). */
  row(i: number): Float32Array {
    const at = i * this.stride;
    return this.vectors.subarray(at, at + this.dimensions);
  }

  /** Sets the query for the next scoring calls; `q` must be normalized and `dimensions` long. */
  setQuery(q: Float32Array): void {
    this.query.fill(0);
    this.query.set(q.subarray(0, this.dimensions));
  }

  /** scores[i] = <vector i, query> for every i. Returns the scores view. */
  scoreAll(): Float32Array {
    this.scoreRange(0, this.count);
    return this.scores;
  }

  /** scores[i] = <vector i, query> for start ≤ i < end (other scores untouched). */
  scoreRange(start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    if (this.dots) {
      this.dots(this.vectorsPtr + start * this.stride * 4, n, this.stride, this.queryPtr, this.scoresPtr + start * 4);
      return;
    }
    const { vectors, query, scores, stride, dimensions } = this;
    for (let i = start; i < end; i++) {
      let s = 0;
      const at = i * stride;
      for (let j = 0; j < dimensions; j++) s += vectors[at + j] * query[j];
      scores[i] = s;
    }
  }
}
