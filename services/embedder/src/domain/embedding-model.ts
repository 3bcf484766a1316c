import { DynamicBatcher, type BatcherLimits, type BatcherStats } from './dynamic-batcher';
import type { ModelSpec } from './model-files';
import { OnnxEncoder, type OrtThreads } from './onnx-encoder';
import { pool, type PoolingMode } from './pooling';
import { planRuns } from './run-planner';
import { padBatch, TextTokenizer } from './text-tokenizer';

/** Characters tokenized before yielding to the event loop. */
const TOKENIZE_SLICE_CHARS = 32_768;

/** What a served model produces. */
export interface ModelDescription {
  readonly id: string;
  readonly dimensions: number;
  readonly maxTokens: number;
  readonly pooling: PoolingMode;
  readonly normalized: boolean;
}

/** Vectors of one call, in input order, with the word pieces each text used after truncation. */
export interface Embeddings {
  readonly vectors: Float32Array[];
  readonly tokenCounts: number[];
}

/**
 * One sentence-transformers model: tokenizer, ONNX session, dynamic batcher and pooling.
 * Texts are tokenized on arrival (their lengths drive the token budget), batched with other
 * callers' texts, run, pooled, and handed back per caller.
 */
export class EmbeddingModel {
  readonly description: ModelDescription;

  private constructor(
    spec: ModelSpec,
    readonly tokenizer: TextTokenizer,
    private readonly encoder: OnnxEncoder,
    private readonly batcher: DynamicBatcher<number[], Float32Array>,
  ) {
    this.description = {
      id: spec.id,
      dimensions: spec.dimensions,
      maxTokens: spec.maxTokens,
      pooling: spec.pooling,
      normalized: spec.normalize,
    };
  }

  /** Creates the session (the slow part) and the batcher; `warmUp` before serving. */
  static async load(spec: ModelSpec, threads: OrtThreads, limits: BatcherLimits): Promise<EmbeddingModel> {
    const tokenizer = new TextTokenizer(spec.tokenizerJson, spec.tokenizerConfig, spec.maxTokens);
    const encoder = await OnnxEncoder.create(spec.onnxPath, threads);
    const runOnce = async (rows: number[][]): Promise<Float32Array[]> => {
      const tokens = await encoder.run(padBatch(rows, tokenizer.padId));
      if (tokens.hidden !== spec.dimensions) {
        throw new Error(`model ${spec.id} produced ${tokens.hidden}-dimensional tokens, its config says ${spec.dimensions}`);
      }
      const flat = pool(tokens, spec.pooling, spec.normalize);
      return rows.map((_, k) => flat.subarray(k * spec.dimensions, (k + 1) * spec.dimensions));
    };
    // One batch from the batcher becomes several runs of similar lengths (less padding); each
    // session's worker runs one call at a time, so two batches in flight per session keep them busy.
    const batcher = new DynamicBatcher(limits, runOnce, (costs) => planRuns(costs), 2 * encoder.sessionCount);
    return new EmbeddingModel(spec, tokenizer, encoder, batcher);
  }

  /** Embeds texts through the shared batcher. Throws OverloadedError when the queue is full. */
  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Embeddings> {
    const rows: number[][] = [];
    let sinceYield = 0;
    for (const t of texts) {
      rows.push(this.tokenizer.encode(t));
      sinceYield += t.length;
      // Tokenizing is synchronous: a call at the limits (thousands of long texts) would otherwise
      // hold the event loop for a long time, stalling every other caller and the running batch's hand-off.
      if (sinceYield > TOKENIZE_SLICE_CHARS) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    const tokenCounts = rows.map((r) => r.length);
    const vectors = await this.batcher.submit(rows, tokenCounts, signal);
    return { vectors, tokenCounts };
  }

  /**
   * Runs the model once alone and once with a full batch of the longest inputs, so ORT's memory
   * arena and kernels are set up before the first real request.
   */
  async warmUp(maxBatch: number): Promise<void> {
    await this.embed(['warm up']);
    const long = 'warm up the encoder with a long text '.repeat(Math.ceil(this.description.maxTokens / 8));
    await this.embed(Array.from({ length: Math.min(maxBatch, 8) }, () => long));
    // The calls above reach the session an idle encoder picks; every other session gets the same
    // two runs directly.
    const rows = [[this.tokenizer.encode('warm up')], Array.from({ length: Math.min(maxBatch, 8) }, () => this.tokenizer.encode(long))];
    for (let on = 0; on < this.encoder.allSessionCount; on++) {
      if (on === this.encoder.idleSession) continue;
      for (const r of rows) await this.encoder.run(padBatch(r, this.tokenizer.padId), on);
    }
  }

  stats(): Readonly<BatcherStats> {
    return this.batcher.stats();
  }

  async close(): Promise<void> {
    await this.batcher.close();
    await this.encoder.release();
  }
}
