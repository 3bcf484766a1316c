import * as ort from 'onnxruntime-node';
import type { DecoderLayout, DecoderSignature, PastInput } from './decoder-signature';
import type { DecoderSession } from './generation';

/** One image's encoder output: [seq, hidden] row-major. */
export interface EncoderState {
  readonly data: Float32Array;
  readonly seq: number;
  readonly hidden: number;
}

/** The image-only part of a decoder graph, split off by hoist.ts. */
export interface HoistedPart {
  /** Runs once per image (and beam count): `encoder_hidden_states` → the boundary values. */
  readonly session: ort.InferenceSession;
  /** Its outputs, which `DecoderGraph.session` takes as extra inputs. */
  readonly boundary: readonly string[];
  /** Whether the per-step graph still reads `encoder_hidden_states` itself. */
  readonly usesEncoder: boolean;
}

/** A decoder graph and its signature. */
export interface DecoderGraph {
  /** The per-step graph (the original one, or its dynamic half when hoisted). */
  readonly session: ort.InferenceSession;
  /** The original graph's signature: what the captioner feeds, whatever the split. */
  readonly sig: DecoderSignature;
  readonly hoisted?: HoistedPart;
}

/** The decoder graphs of one model, as the loader found them. */
export interface DecoderGraphs {
  readonly layout: DecoderLayout;
  /** Runs the first step (and every step when not using the cache). */
  readonly first: DecoderGraph;
  /** Runs the later steps with past key/values; the same graph as `first` for merged and with-past layouts, undefined for no-past. */
  readonly next: DecoderGraph | undefined;
  readonly vocabSize: number;
}

/**
 * Drives an ONNX text decoder for the search algorithms (see {@link DecoderSession}). With the
 * cache, the first step feeds the start tokens with empty (0-length) pasts and every later step
 * feeds only the new token with the past keys/values the previous step returned; without it,
 * every step feeds the whole sequence (the reference the cached path must match).
 */
export class OnnxTextDecoder {
  constructor(private readonly graphs: DecoderGraphs) {}

  get layout(): DecoderLayout {
    return this.graphs.layout;
  }

  get vocabSize(): number {
    return this.graphs.vocabSize;
  }

  /**
   * Whether beams reuse the one-row image-only values of the per-step graph (true), compute them
   * per beam count (false), or have not been tried yet (undefined); see `hoistedFor`.
   */
  get tilesHoistedValues(): boolean | undefined {
    const part = (this.graphs.next ?? this.graphs.first).hoisted;
    return part ? tileVerdicts.get(part) : false;
  }

  /** Whether past key/values can be reused between steps. */
  get canCache(): boolean {
    return this.graphs.next !== undefined;
  }

  /** A decoding session over one image; `useCache` false re-reads the whole sequence each step. */
  open(encoder: EncoderState, useCache = true): DecoderSession {
    return new OnnxDecoderSession(this.graphs, encoder, useCache && this.canCache);
  }
}

function ones(n: number): BigInt64Array {
  return new BigInt64Array(n).fill(1n);
}

/**
 * Whether a hoisted part's values for several rows (beams) are its one-row values repeated, so the
 * image-only work runs once per image instead of once per beam. Decided per part on its first
 * multi-row use, by computing both ways and comparing (see `hoistedFor`); graphs whose boundary
 * holds shapes or anything else that is not one float row per beam keep computing per row count.
 */
const tileVerdicts = new WeakMap<HoistedPart, boolean>();

/** `many` equals `one` tiled to `rows` rows: float32, batch-first, equal within float rounding. */
export function isTiled(one: Readonly<Record<string, ort.Tensor>>, many: Readonly<Record<string, ort.Tensor>>, rows: number): boolean {
  return Object.entries(one).every(([name, a]) => {
    const b = many[name];
    if (a.type !== 'float32' || b?.type !== 'float32' || a.dims[0] !== 1 || b.dims[0] !== rows) return false;
    if (a.dims.length !== b.dims.length || a.dims.some((d, i) => i > 0 && d !== b.dims[i])) return false;
    const x = a.data as Float32Array;
    const y = b.data as Float32Array;
    for (let i = 0; i < y.length; i++) {
      const v = x[i % x.length];
      if (Math.abs(y[i] - v) > 1e-5 * Math.max(1, Math.abs(v))) return false;
    }
    return true;
  });
}

function tileRows(data: Float32Array, rowSize: number, rows: number): Float32Array {
  if (rows === 1 && data.length === rowSize) return data;
  const out = new Float32Array(rowSize * rows);
  for (let r = 0; r < rows; r++) out.set(data.subarray(0, rowSize), r * rowSize);
  return out;
}

class OnnxDecoderSession implements DecoderSession {
  readonly vocabSize: number;
  private rows = 1;
  /** Tokens already in the cache (0 before the first step). */
  private fed = 0;
  /** Past key/values by input name: self-attention ones change every step, cross-attention ones never after the first. */
  private readonly past = new Map<string, ort.Tensor>();
  private encoderTensor: ort.Tensor | undefined;
  /** Hoisted values per graph, for `rows` rows. */
  private readonly hoistedValues = new Map<DecoderGraph, { rows: number; values: Record<string, ort.Tensor> }>();
  /** Hoisted values per graph for one row, kept to tile from when beams ask for more rows. */
  private readonly oneRowValues = new Map<DecoderGraph, Record<string, ort.Tensor>>();

  constructor(
    private readonly graphs: DecoderGraphs,
    private readonly encoder: EncoderState,
    private readonly useCache: boolean,
  ) {
    this.vocabSize = graphs.vocabSize;
  }

  async step(sequences: readonly (readonly number[])[]): Promise<Float32Array> {
    const rows = sequences.length;
    if (rows !== this.rows) throw new Error(`decoder session holds ${this.rows} rows, got ${rows}`);
    const cached = this.useCache && this.fed > 0;
    const graph = cached ? (this.graphs.next as DecoderGraph) : this.graphs.first;
    const pastLen = cached ? this.fed : 0;
    const n = sequences[0].length - pastLen;
    if (n <= 0) throw new Error('decoder step without new tokens');

    const ids = new BigInt64Array(rows * n);
    sequences.forEach((seq, r) => {
      for (let i = 0; i < n; i++) ids[r * n + i] = BigInt(seq[pastLen + i]);
    });
    const sig = graph.sig;
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [rows, n]) };
    if (graph.hoisted) {
      Object.assign(feeds, await this.hoistedFor(graph, graph.hoisted, rows));
      if (graph.hoisted.usesEncoder) feeds[sig.encoderHiddenStates] = this.encoderFor(rows);
    } else {
      feeds[sig.encoderHiddenStates] = this.encoderFor(rows);
    }
    if (sig.attentionMask) feeds[sig.attentionMask] = new ort.Tensor('int64', ones(rows * (pastLen + n)), [rows, pastLen + n]);
    if (sig.encoderAttentionMask) {
      feeds[sig.encoderAttentionMask] = new ort.Tensor('int64', ones(rows * this.encoder.seq), [rows, this.encoder.seq]);
    }
    if (sig.positionIds) {
      const pos = new BigInt64Array(rows * n);
      for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) pos[r * n + i] = BigInt(pastLen + i);
      feeds[sig.positionIds] = new ort.Tensor('int64', pos, [rows, n]);
    }
    if (sig.useCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array([cached ? 1 : 0]), [1]);
    for (const p of sig.past) {
      feeds[p.name] = (cached ? this.past.get(p.name) : undefined) ?? emptyPast(p, rows);
    }

    const out = await graph.session.run(feeds);
    const logits = out.logits;
    const V = this.vocabSize;
    const [lr, ln, lv] = logits.dims;
    if (lr !== rows || ln !== n || lv !== V) throw new Error(`decoder returned logits [${logits.dims.join(', ')}], expected [${rows}, ${n}, ${V}]`);
    const data = logits.data as Float32Array;
    const last = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) last.set(data.subarray((r * n + n - 1) * V, (r * n + n) * V), r * V);

    if (this.useCache) {
      // Keep what the with-past graph will need: every past on the first step, then only the
      // self-attention ones (Optimum's merged graphs re-emit cross-attention pasts as constants).
      for (const p of (this.graphs.next as DecoderGraph).sig.past) {
        if (cached && p.cross) continue;
        const present = out[p.name.replace(/^past_key_values\./, 'present.')];
        if (!present) throw new Error(`decoder did not return the present of ${p.name}`);
        this.past.set(p.name, present);
      }
      this.fed = sequences[0].length;
    }
    return last;
  }

  reorder(sources: readonly number[]): void {
    const rows = sources.length;
    for (const [name, t] of this.past) {
      const [r, heads, len, dim] = t.dims;
      const rowSize = heads * len * dim;
      const src = t.data as Float32Array;
      const cross = /\.encoder\./.test(name);
      // Cross-attention pasts depend only on the image, identical in every row: resize, no gather.
      if (cross && rows === r) continue;
      const out = new Float32Array(rows * rowSize);
      sources.forEach((s, i) => {
        const from = cross ? 0 : s;
        out.set(src.subarray(from * rowSize, (from + 1) * rowSize), i * rowSize);
      });
      this.past.set(name, new ort.Tensor('float32', out, [rows, heads, len, dim]));
    }
    this.rows = rows;
  }

  dispose(): void {
    this.past.clear();
    this.hoistedValues.clear();
    this.oneRowValues.clear();
    this.encoderTensor = undefined;
  }

  /**
   * The image-only values for `rows` rows. One row runs the static graph; more rows (beams) tile
   * the one-row values when this part is known to allow it (every row holds the same image), else
   * run the static graph for that row count: some graphs' boundary holds shapes that embed the
   * batch size. The first multi-row use of a part decides, by computing both and comparing.
   */
  private async hoistedFor(graph: DecoderGraph, part: HoistedPart, rows: number): Promise<Record<string, ort.Tensor>> {
    const cached = this.hoistedValues.get(graph);
    if (cached?.rows === rows) return cached.values;
    const run = async (n: number): Promise<Record<string, ort.Tensor>> => {
      const out = await part.session.run({ encoder_hidden_states: this.encoderFor(n) });
      return Object.fromEntries(part.boundary.map((b) => [b, out[b]]));
    };
    const oneRow = async (): Promise<Record<string, ort.Tensor>> => {
      const kept = this.oneRowValues.get(graph) ?? (await run(1));
      this.oneRowValues.set(graph, kept);
      return kept;
    };
    let values: Record<string, ort.Tensor>;
    if (rows === 1) {
      values = await oneRow();
    } else if (tileVerdicts.get(part) === false) {
      values = await run(rows);
    } else {
      const one = await oneRow();
      if (tileVerdicts.get(part) === true) {
        values = Object.fromEntries(
          Object.entries(one).map(([name, t]) => {
            const data = t.data as Float32Array;
            return [name, new ort.Tensor('float32', tileRows(data, data.length, rows), [rows, ...t.dims.slice(1)])];
          }),
        );
      } else {
        values = await run(rows);
        tileVerdicts.set(part, isTiled(one, values, rows));
      }
    }
    this.hoistedValues.set(graph, { rows, values });
    return values;
  }

  private encoderFor(rows: number): ort.Tensor {
    if (this.encoderTensor?.dims[0] !== rows) {
      const { data, seq, hidden } = this.encoder;
      this.encoderTensor = new ort.Tensor('float32', tileRows(data, seq * hidden, rows), [rows, seq, hidden]);
    }
    return this.encoderTensor;
  }
}

function emptyPast(p: PastInput, rows: number): ort.Tensor {
  return new ort.Tensor('float32', new Float32Array(0), [rows, p.heads, 0, p.headDim]);
}
