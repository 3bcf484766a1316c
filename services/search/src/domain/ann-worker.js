'use strict';
/**
 * Worker thread that builds a usearch HNSW index over a generation's vectors, read in place from the
 * store's shared memory, and saves it to `outPath`. Plain JavaScript on purpose: worker threads do
 * not go through the TypeScript loaders of tsx or jest. Protocol: workerData in, one message out
 * ({ ok: true } or { ok: false, error }). See ann-index.ts.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { Index } = require('usearch');

const { buffer, vectorsPtr, count, stride, dimensions, options, outPath, chunk } = workerData;
try {
  const index = new Index({
    dimensions,
    metric: 'cos',
    quantization: options.quantization,
    connectivity: options.connectivity,
    expansion_add: options.expansionAdd,
    expansion_search: options.expansionSearch,
    multi: false,
  });
  const vectors = new Float32Array(buffer, vectorsPtr, count * stride);
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = BigInt(start + i);
    let rows;
    if (stride === dimensions) {
      rows = vectors.subarray(start * stride, (start + n) * stride);
    } else {
      rows = new Float32Array(n * dimensions);
      for (let i = 0; i < n; i++) rows.set(vectors.subarray((start + i) * stride, (start + i) * stride + dimensions), i * dimensions);
    }
    index.add(keys, rows, options.threads);
  }
  index.save(outPath);
  parentPort.postMessage({ ok: true });
} catch (err) {
  parentPort.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
}
