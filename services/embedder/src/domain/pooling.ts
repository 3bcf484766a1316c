/** How token embeddings become one sentence embedding (sentence-transformers' Pooling module). */
export type PoolingMode = 'mean' | 'cls' | 'max';

/**
 * Reads the mode from a sentence-transformers `1_Pooling/config.json`. Exactly one of the
 * supported modes must be on; combined or other modes (weighted mean, last token, sqrt-len) are
 * refused so the service never silently computes something else than the reference.
 */
export function parsePooling(config: Record<string, unknown>): PoolingMode {
  const on = Object.entries(config)
    .filter(([k, v]) => k.startsWith('pooling_mode_') && v === true)
    .map(([k]) => k);
  const modes: Record<string, PoolingMode> = {
    pooling_mode_mean_tokens: 'mean',
    pooling_mode_cls_token: 'cls',
    pooling_mode_max_tokens: 'max',
  };
  if (on.length !== 1 || !(on[0] in modes)) {
    throw new Error(
      `pooling config enables ${on.length === 0 ? 'no mode' : on.join(' + ')}; the embedder supports exactly one of ` +
        Object.keys(modes).join(', '),
    );
  }
  return modes[on[0]];
}

/** One model run's token embeddings: `batch x seqLen x hidden`, row-major, with its attention mask. */
export interface TokenEmbeddings {
  readonly data: Float32Array;
  readonly batch: number;
  readonly seqLen: number;
  readonly hidden: number;
  /** `batch x seqLen`, 1 for real tokens and 0 for padding. */
  readonly mask: Uint8Array;
}

/**
 * Pools token embeddings into `batch` sentence vectors (returned as one `batch x hidden` array)
 * exactly as sentence-transformers does: mean over unmasked tokens (divided by max(count, 1e-9)),
 * the first token for CLS, or the max over unmasked tokens; then L2 normalization with
 * max(norm, 1e-12) when the model lists a Normalize module. Sums run in float64.
 */
export function pool(t: TokenEmbeddings, mode: PoolingMode, normalize: boolean): Float32Array {
  const { data, batch, seqLen, hidden, mask } = t;
  const out = new Float32Array(batch * hidden);
  const acc = new Float64Array(hidden);
  for (let b = 0; b < batch; b++) {
    const base = b * seqLen * hidden;
    switch (mode) {
      case 'cls':
        for (let h = 0; h < hidden; h++) acc[h] = data[base + h];
        break;
      case 'mean': {
        acc.fill(0);
        let count = 0;
        for (let s = 0; s < seqLen; s++) {
          if (!mask[b * seqLen + s]) continue;
          count++;
          const off = base + s * hidden;
          for (let h = 0; h < hidden; h++) acc[h] += data[off + h];
        }
        const div = Math.max(count, 1e-9);
        for (let h = 0; h < hidden; h++) acc[h] /= div;
        break;
      }
      case 'max': {
        // sentence-transformers sets padded positions to -1e9 before taking the max.
        acc.fill(-1e9);
        for (let s = 0; s < seqLen; s++) {
          if (!mask[b * seqLen + s]) continue;
          const off = base + s * hidden;
          for (let h = 0; h < hidden; h++) if (data[off + h] > acc[h]) acc[h] = data[off + h];
        }
        break;
      }
    }
    let scale = 1;
    if (normalize) {
      let sq = 0;
      for (let h = 0; h < hidden; h++) sq += acc[h] * acc[h];
      scale = 1 / Math.max(Math.sqrt(sq), 1e-12);
    }
    const o = b * hidden;
    for (let h = 0; h < hidden; h++) out[o + h] = acc[h] * scale;
  }
  return out;
}
