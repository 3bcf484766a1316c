import * as ort from 'onnxruntime-node';
import { FailedPreconditionError } from '@tit/kit';
import type { PaddedBatch } from './text-tokenizer';
import type { TokenEmbeddings } from './pooling';

/** ONNX Runtime threading; 0 lets ORT choose (one intra-op thread per physical core). */
export interface OrtThreads {
  readonly intraOp: number;
  readonly interOp: number;
  /**
   * Whether idle intra-op threads spin-wait for the next run (ORT's default). Off by default here:
   * spinning threads take the cores the Node main thread needs to decode, tokenize and answer
   * calls between runs, which in the service costs far more than the wake-up latency it saves.
   */
  readonly spinning?: boolean;
}

/** The output names a transformer export may give its token embeddings, in order of preference. */
const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];

/** Session options shared by the service and the benchmark's raw baseline, so they compare like for like. */
export function sessionOptions(threads: OrtThreads): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(threads.intraOp > 0 && { intraOpNumThreads: threads.intraOp }),
    ...(threads.interOp > 0 && { interOpNumThreads: threads.interOp }),
    extra: { session: { intra_op: { allow_spinning: threads.spinning ? '1' : '0' } } },
  };
}

/**
 * One ONNX Runtime session of a BERT-like encoder (Optimum / sentence-transformers export:
 * int64 `input_ids`, `attention_mask` and optionally `token_type_ids`; float32
 * `last_hidden_state`). Created once; `run` may be called concurrently but the batcher calls it one
 * batch at a time so the intra-op threads are not oversubscribed.
 */
export class OnnxEncoder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly output: string,
    private readonly inputs: ReadonlySet<string>,
    private readonly int32: boolean,
  ) {}

  static async create(onnxPath: string, threads: OrtThreads): Promise<OnnxEncoder> {
    const session = await ort.InferenceSession.create(onnxPath, sessionOptions(threads));
    const names = new Set(session.inputNames);
    for (const required of ['input_ids', 'attention_mask']) {
      if (!names.has(required)) {
        await session.release();
        throw new FailedPreconditionError(
          `${onnxPath}: the model has no input "${required}" (inputs: ${session.inputNames.join(', ')}); ` +
            'expected a transformer encoder export',
        );
      }
    }
    const output = TOKEN_OUTPUTS.find((n) => session.outputNames.includes(n));
    if (!output) {
      await session.release();
      throw new FailedPreconditionError(
        `${onnxPath}: no token-embedding output (${TOKEN_OUTPUTS.join(' or ')}); outputs: ${session.outputNames.join(', ')}`,
      );
    }
    const idsMeta = session.inputMetadata.find((m) => m.name === 'input_ids');
    const int32 = idsMeta?.isTensor === true && idsMeta.type === 'int32';
    return new OnnxEncoder(session, output, names, int32);
  }

  /** Runs the encoder on a padded batch and returns its token embeddings. */
  async run(batch: PaddedBatch): Promise<TokenEmbeddings> {
    const dims = [batch.batch, batch.seqLen];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: this.intTensor(batch.ids, dims),
      attention_mask: this.intTensor(BigInt64Array.from(batch.mask, (m) => BigInt(m)), dims),
    };
    if (this.inputs.has('token_type_ids')) {
      feeds.token_type_ids = this.intTensor(new BigInt64Array(batch.batch * batch.seqLen), dims);
    }
    // Fetching only the token embeddings lets ORT skip any pooler head the export carries.
    const result = await this.session.run(feeds, [this.output]);
    const out = result[this.output];
    if (out.type !== 'float32' || out.dims.length !== 3) {
      throw new Error(`unexpected ${this.output}: ${out.type} [${out.dims.join(', ')}]`);
    }
    return {
      data: out.data as Float32Array,
      batch: batch.batch,
      seqLen: batch.seqLen,
      hidden: out.dims[2],
      mask: batch.mask,
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private intTensor(values: BigInt64Array, dims: number[]): ort.Tensor {
    return this.int32
      ? new ort.Tensor('int32', Int32Array.from(values, (v) => Number(v)), dims)
      : new ort.Tensor('int64', values, dims);
  }
}
