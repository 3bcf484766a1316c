import type * as ort from 'onnxruntime-node';
import { FailedPreconditionError, intraOpThreads } from '@tit/kit';
import type { PaddedBatch } from './text-tokenizer';
import type { TokenEmbeddings } from './pooling';
import { WorkerSession, type WireTensor } from './worker-session';

/** ONNX Runtime threading; intra-op 0 = one thread per CPU this process may use, inter-op 0 = ORT's default. */
export interface OrtThreads {
  readonly intraOp: number;
  readonly interOp: number;
  /**
   * Whether idle intra-op threads spin-wait for the next run (ORT's default). Off by default here:
   * spinning threads take the cores the Node main thread needs to decode, tokenize and answer
   * calls between runs, which in the service costs far more than the wake-up latency it saves.
   */
  readonly spinning?: boolean;
  /**
   * Sessions per model, each in its own worker thread with `intraOp` threads, running different
   * batches in parallel (default 1). Small batches parallelize poorly inside one run (ORT's
   * threads meet at every operator), so under load one single-threaded session per CPU gets more
   * texts through than one session using every CPU; a lone query then runs on one thread, which
   * is slower. Each session holds its own copy of the weights.
   */
  readonly sessions?: number;
}

/** The output names a transformer export may give its token embeddings, in order of preference. */
const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];

/** Session options shared by the service and the benchmark's raw baseline, so they compare like for like. */
export function sessionOptions(threads: OrtThreads): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: intraOpThreads(threads.intraOp),
    ...(threads.interOp > 0 && { interOpNumThreads: threads.interOp }),
    extra: { session: { intra_op: { allow_spinning: threads.spinning ? '1' : '0' } } },
  };
}

/**
 * The ONNX Runtime sessions of a BERT-like encoder (Optimum / sentence-transformers export:
 * int64 `input_ids`, `attention_mask` and optionally `token_type_ids`; float32
 * `last_hidden_state`), each running in a worker thread so the event loop keeps serving calls
 * during a run (see worker-session.ts). Created once; `run` may be called concurrently: each call
 * goes to the session with the fewest runs queued, and a session's worker runs its calls one
 * after another, so its intra-op threads are never oversubscribed.
 */
export class OnnxEncoder {
  private constructor(
    private readonly sessions: readonly WorkerSession[],
    private readonly output: string,
    private readonly inputs: ReadonlySet<string>,
    private readonly int32: boolean,
  ) {}

  static async create(onnxPath: string, threads: OrtThreads): Promise<OnnxEncoder> {
    const count = Math.max(1, threads.sessions ?? 1);
    const created = await Promise.allSettled(
      Array.from({ length: count }, () => WorkerSession.create(onnxPath, sessionOptions(threads))),
    );
    const sessions = created.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
    const failed = created.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed) {
      await Promise.all(sessions.map((s) => s.release()));
      throw new FailedPreconditionError(`${onnxPath}: onnxruntime cannot load it: ${(failed.reason as Error).message}`);
    }
    const release = (): Promise<unknown> => Promise.all(sessions.map((s) => s.release()));
    const { inputNames, outputNames, inputTypes } = sessions[0].signature;
    const names = new Set(inputNames);
    for (const required of ['input_ids', 'attention_mask']) {
      if (!names.has(required)) {
        await release();
        throw new FailedPreconditionError(
          `${onnxPath}: the model has no input "${required}" (inputs: ${inputNames.join(', ')}); ` +
            'expected a transformer encoder export',
        );
      }
    }
    const output = TOKEN_OUTPUTS.find((n) => outputNames.includes(n));
    if (!output) {
      await release();
      throw new FailedPreconditionError(
        `${onnxPath}: no token-embedding output (${TOKEN_OUTPUTS.join(' or ')}); outputs: ${outputNames.join(', ')}`,
      );
    }
    const int32 = inputTypes.input_ids === 'int32';
    return new OnnxEncoder(sessions, output, names, int32);
  }

  /** How many sessions run batches in parallel. */
  get sessionCount(): number {
    return this.sessions.length;
  }

  /** Runs queued or running on each session. */
  inFlight(): number[] {
    return this.sessions.map((s) => s.inFlight);
  }

  /**
   * Runs the encoder on a padded batch and returns its token embeddings, on the session with the
   * fewest runs queued, or on session `on` when given (warm-up reaches every session that way).
   */
  async run(batch: PaddedBatch, on?: number): Promise<TokenEmbeddings> {
    const dims = [batch.batch, batch.seqLen];
    const feeds: Record<string, WireTensor> = {
      input_ids: this.intTensor(batch.ids, dims),
      attention_mask: this.intTensor(BigInt64Array.from(batch.mask, (m) => BigInt(m)), dims),
    };
    if (this.inputs.has('token_type_ids')) {
      feeds.token_type_ids = this.intTensor(new BigInt64Array(batch.batch * batch.seqLen), dims);
    }
    // Fetching only the token embeddings lets ORT skip any pooler head the export carries.
    const session = on === undefined ? this.leastBusy() : this.sessions[on];
    const result = await session.run(feeds, [this.output]);
    const out = result[this.output];
    if (out.type !== 'float32' || out.dims.length !== 3 || !(out.data instanceof Float32Array)) {
      throw new Error(`unexpected ${this.output}: ${out.type} [${out.dims.join(', ')}]`);
    }
    return {
      data: out.data,
      batch: batch.batch,
      seqLen: batch.seqLen,
      hidden: out.dims[2],
      mask: batch.mask,
    };
  }

  async release(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.release()));
  }

  private leastBusy(): WorkerSession {
    let best = this.sessions[0];
    for (const s of this.sessions) if (s.inFlight < best.inFlight) best = s;
    return best;
  }

  private intTensor(values: BigInt64Array, dims: number[]): WireTensor {
    return this.int32 ? { type: 'int32', data: Int32Array.from(values, (v) => Number(v)), dims } : { type: 'int64', data: values, dims };
  }
}
