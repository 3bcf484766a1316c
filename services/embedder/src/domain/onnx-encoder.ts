import type * as ort from 'onnxruntime-node';
import { FailedPreconditionError, intraOpThreads } from '@tit/kit';
import type { PaddedBatch } from './text-tokenizer';
import type { TokenEmbeddings } from './pooling';
import { WorkerSession, type WireTensor } from './worker-session';

/**
 * ONNX Runtime threading. Intra-op 0 = the planned CPUs (`cpus`) shared out among the parallel
 * sessions (at least one each); inter-op 0 = ORT's default.
 */
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
   * Sessions per model running different batches in parallel, each in its own worker thread
   * (default 1; 0 = one per CPU). Small batches parallelize poorly inside one run (ORT's threads
   * meet at every operator), so under load one single-threaded session per CPU gets more texts
   * through than one session using every CPU. Each session holds its own copy of the weights.
   */
  readonly sessions?: number;
  /**
   * With more than one parallel session: also keep one session that uses every CPU, for a run that
   * starts while no session is running (a lone query), which one thread would run slower.
   */
  readonly loneSession?: boolean;
  /** CPUs to plan the sessions for (default: those this process may use). */
  readonly cpus?: number;
}

/** The sessions an `OrtThreads` asks for. */
export interface SessionLayout {
  /** Sessions that run batches in parallel. */
  readonly parallel: number;
  /** Intra-op threads of each parallel session. */
  readonly threadsEach: number;
  /** Intra-op threads of the lone-query session, 0 for none. */
  readonly loneThreads: number;
}

/** Plans the sessions: `sessions` 0 = one per CPU; a lone-query session only where it gets more threads than a parallel one. */
export function sessionLayout(threads: OrtThreads): SessionLayout {
  const cpus = threads.cpus ?? intraOpThreads(0);
  const parallel = threads.sessions === 0 ? cpus : Math.max(1, threads.sessions ?? 1);
  const threadsEach = threads.intraOp > 0 ? threads.intraOp : Math.max(1, Math.floor(cpus / parallel));
  const wantLone = (threads.loneSession ?? false) && parallel > 1 && cpus > threadsEach;
  return { parallel, threadsEach, loneThreads: wantLone ? cpus : 0 };
}

/** The output names a transformer export may give its token embeddings, in order of preference. */
const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];

/**
 * Session options shared by the service and the benchmark's raw baseline, so they compare like for
 * like; `intraOp` is this session's own thread count here (0 = one per CPU).
 */
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
 * during a run (see worker-session.ts). Created once; `run` may be called concurrently: a run that
 * starts while every session is idle goes to the lone-query session when there is one (all CPUs
 * on one run), any other to the parallel session with the fewest runs queued; a session's worker
 * runs its calls one after another, so its intra-op threads are never oversubscribed.
 */
export class OnnxEncoder {
  private constructor(
    /** The parallel sessions, then the lone-query session if any. */
    private readonly sessions: readonly WorkerSession[],
    private readonly parallel: number,
    private readonly output: string,
    private readonly inputs: ReadonlySet<string>,
    private readonly int32: boolean,
  ) {}

  static async create(onnxPath: string, threads: OrtThreads): Promise<OnnxEncoder> {
    const layout = sessionLayout(threads);
    const intraOps = [...Array.from({ length: layout.parallel }, () => layout.threadsEach), ...(layout.loneThreads > 0 ? [layout.loneThreads] : [])];
    const created = await Promise.allSettled(
      intraOps.map((intraOp) => WorkerSession.create(onnxPath, sessionOptions({ ...threads, intraOp }))),
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
    return new OnnxEncoder(sessions, layout.parallel, output, names, int32);
  }

  /** How many sessions run batches in parallel (the lone-query session not counted). */
  get sessionCount(): number {
    return this.parallel;
  }

  /** Every session: the parallel ones, then the lone-query session if there is one. */
  get allSessionCount(): number {
    return this.sessions.length;
  }

  /** The session a run goes to while every session is idle: the lone-query one if any, else the first. */
  get idleSession(): number {
    return this.sessions.length > this.parallel ? this.parallel : 0;
  }

  /** Runs queued or running on each session, in the order of `allSessionCount`. */
  inFlight(): number[] {
    return this.sessions.map((s) => s.inFlight);
  }

  /**
   * Runs the encoder on a padded batch and returns its token embeddings, on the session the class
   * comment describes, or on session `on` when given (warm-up reaches every session that way).
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
    const session = on === undefined ? this.pick() : this.sessions[on];
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

  /** The lone-query session when every session is idle, else the parallel session with the fewest runs queued. */
  private pick(): WorkerSession {
    if (this.sessions.every((s) => s.inFlight === 0)) return this.sessions[this.idleSession];
    let best = this.sessions[0];
    for (let i = 1; i < this.parallel; i++) if (this.sessions[i].inFlight < best.inFlight) best = this.sessions[i];
    return best;
  }

  private intTensor(values: BigInt64Array, dims: number[]): WireTensor {
    return this.int32 ? { type: 'int32', data: Int32Array.from(values, (v) => Number(v)), dims } : { type: 'int64', data: values, dims };
  }
}
