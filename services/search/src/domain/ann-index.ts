import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Index, type MetricKind, type ScalarKind } from 'usearch';
import type { ApproximateIndex } from './generation';
import type { VectorStore } from './vector-store';

/** Settings of the approximate (HNSW) index. */
export interface AnnOptions {
  /** Build it for generations with at least this many captions; 0 never builds one. */
  threshold: number;
  /** HNSW graph degree (M). */
  connectivity: number;
  /** Candidate list size while inserting (efConstruction). */
  expansionAdd: number;
  /** Candidate list size while searching (ef); raised to the number of candidates asked. */
  expansionSearch: number;
  /** Scalar type of the index's copy of the vectors; exact re-scoring uses the float32 store. */
  quantization: 'i8' | 'f16' | 'f32';
  /** Threads usearch uses while inserting; 0 lets it choose. */
  threads: number;
  /** Folder for the index files (memory-mapped after the build). */
  dir: string;
}

const indexConfig = (dimensions: number, o: AnnOptions) => ({
  dimensions,
  metric: 'cos' as MetricKind,
  quantization: o.quantization as ScalarKind,
  connectivity: o.connectivity,
  expansion_add: o.expansionAdd,
  expansion_search: o.expansionSearch,
  multi: false,
});

/** A built HNSW index, memory-mapped from its file, whose keys are caption indices. */
export class AnnIndex implements ApproximateIndex {
  private disposed = false;

  /** Size of the index file (graph and quantized vectors), mapped into memory. */
  readonly bytes: number;

  private constructor(
    private readonly index: Index,
    private readonly file: string,
  ) {
    this.bytes = fs.statSync(file).size;
  }

  /**
   * Builds the index for `store` in a worker thread (the event loop keeps serving queries) and maps
   * the result. `signal` cancels the build (the worker is terminated, its file removed).
   */
  static build(store: VectorStore, options: AnnOptions, signal?: AbortSignal): Promise<AnnIndex> {
    const file = path.join(options.dir, `tit-search-ann-${process.pid}-${randomBytes(6).toString('hex')}.usearch`);
    return new Promise<AnnIndex>((resolve, reject) => {
      fs.mkdirSync(options.dir, { recursive: true });
      const worker = new Worker(path.join(__dirname, 'ann-worker.js'), {
        workerData: {
          buffer: store.buffer,
          vectorsPtr: store.vectorsPtr,
          count: store.count,
          stride: store.stride,
          dimensions: store.dimensions,
          options,
          outPath: file,
          chunk: 4096,
        },
      });
      let settled = false;
      const cleanup = (): void => fs.rmSync(file, { force: true });
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        void worker.terminate().finally(cleanup);
        reject(new Error('approximate index build cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (msg: { ok: boolean; error?: string }) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        void worker.terminate();
        if (!msg.ok) {
          cleanup();
          reject(new Error(`approximate index build failed: ${msg.error ?? 'unknown error'}`));
          return;
        }
        try {
          const index = new Index(indexConfig(store.dimensions, options));
          index.view(file);
          resolve(new AnnIndex(index, file));
        } catch (err) {
          cleanup();
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      worker.once('error', (err) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(err);
      });
    });
  }

  search(query: Float32Array, m: number): Int32Array {
    if (this.disposed) return new Int32Array(0);
    const res = this.index.search(query, m, 1);
    const out = new Int32Array(res.keys.length);
    for (let i = 0; i < out.length; i++) out[i] = Number(res.keys[i]);
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // The mapping stays valid after unlinking; the pages go when the Index is collected.
    fs.rmSync(this.file, { force: true });
  }
}

/** The default folder for index files. */
export const defaultAnnDir = (): string => path.join(os.tmpdir(), 'tit-search-ann');
