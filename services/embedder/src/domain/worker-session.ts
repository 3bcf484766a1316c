import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';

/**
 * An ONNX Runtime session that lives in a worker thread.
 *
 * onnxruntime-node runs `session.run` synchronously on the calling thread (its promise only
 * defers the start by a `setImmediate`), so a session on the main thread stops the event loop for
 * the whole run: no gRPC call is read, answered or tokenized while the model computes, and the
 * cores ORT does not use sit idle meanwhile. In a worker the main thread keeps serving calls and
 * preparing the next batch during the run. The price is one message each way per run (the input
 * and output buffers are moved, not copied, where they can be).
 *
 * The worker's code is a string evaluated by Node (not a file), so it runs the same under tsx,
 * Jest's transform and a plain build; it loads onnxruntime-node from the path resolved here.
 */

/** A tensor as it crosses the thread boundary. */
export interface WireTensor {
  readonly type: ort.Tensor.Type;
  readonly data: ort.Tensor.DataType;
  readonly dims: readonly number[];
}

/** Names and element types of the session's inputs and outputs, read once at creation. */
export interface SessionSignature {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Element type of each tensor input by name ('int64', 'int32', 'float32', …). */
  readonly inputTypes: Readonly<Record<string, string>>;
}

type Reply =
  | { readonly kind: 'ready'; readonly signature: SessionSignature }
  | { readonly kind: 'result'; readonly id: number; readonly outputs: Record<string, WireTensor> }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string }
  | { readonly kind: 'load-failed'; readonly message: string };

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const transferOf = (data) => (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer ? [data.buffer] : []);
(async () => {
  let session;
  try {
    session = await ort.InferenceSession.create(workerData.modelPath, workerData.options);
  } catch (err) {
    parentPort.postMessage({ kind: 'load-failed', message: String(err && err.message || err) });
    return;
  }
  const inputTypes = {};
  for (const m of session.inputMetadata) if (m.isTensor) inputTypes[m.name] = m.type;
  parentPort.on('message', async (msg) => {
    if (msg.kind === 'release') {
      await session.release();
      process.exit(0); // ends this worker thread only
      return;
    }
    try {
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const result = await session.run(feeds, msg.fetches);
      const outputs = {};
      const transfer = [];
      for (const name of msg.fetches) {
        const t = result[name];
        // A copy the worker owns, so its buffer can be moved to the main thread (ORT's own
        // output buffer may be external memory that cannot be transferred).
        const data = t.data.slice();
        outputs[name] = { type: t.type, data, dims: t.dims };
        transfer.push(...transferOf(data));
      }
      parentPort.postMessage({ kind: 'result', id: msg.id, outputs }, transfer);
    } catch (err) {
      parentPort.postMessage({ kind: 'failed', id: msg.id, message: String(err && err.message || err) });
    }
  });
  parentPort.postMessage({
    kind: 'ready',
    signature: { inputNames: session.inputNames, outputNames: session.outputNames, inputTypes },
  });
})();
`;

interface Pending {
  resolve(outputs: Record<string, WireTensor>): void;
  reject(err: Error): void;
}

export class WorkerSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly signature: SessionSignature,
    private readonly name: string,
  ) {
    worker.on('message', (reply: Reply) => {
      if (reply.kind !== 'result' && reply.kind !== 'failed') return;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.kind === 'result') p.resolve(reply.outputs);
      else p.reject(new Error(`${this.name}: onnxruntime failed: ${reply.message}`));
    });
    const stop = (err: Error): void => {
      this.stopped ??= err;
      for (const p of this.pending.values()) p.reject(this.stopped);
      this.pending.clear();
    };
    worker.on('error', (err) => stop(new Error(`${this.name}: the onnxruntime worker failed: ${err.message}`)));
    worker.on('exit', (code) => stop(new Error(`${this.name}: the onnxruntime worker stopped (exit code ${code})`)));
  }

  /** Starts a worker and creates the session in it; rejects with ORT's message if it cannot load. */
  static create(modelPath: string, options: ort.InferenceSession.SessionOptions): Promise<WorkerSession> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ortPath: require.resolve('onnxruntime-node'), modelPath, options },
    });
    return new Promise<WorkerSession>((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`${modelPath}: the onnxruntime worker stopped (exit code ${code}) while loading`));
      const onError = (err: Error): void => reject(new Error(`${modelPath}: the onnxruntime worker failed while loading: ${err.message}`));
      worker.once('exit', onExit);
      worker.once('error', onError);
      worker.once('message', (reply: Reply) => {
        worker.off('exit', onExit);
        worker.off('error', onError);
        if (reply.kind === 'ready') {
          resolve(new WorkerSession(worker, reply.signature, modelPath));
        } else {
          void worker.terminate();
          reject(new Error(reply.kind === 'load-failed' ? reply.message : `${modelPath}: unexpected first message from the onnxruntime worker`));
        }
      });
    });
  }

  /** Runs handed to the worker and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Runs the session on `feeds` and resolves to the `fetches` outputs. The feeds' buffers are moved
   * to the worker: the caller must not use them afterwards.
   */
  run(feeds: Record<string, WireTensor>, fetches: readonly string[]): Promise<Record<string, WireTensor>> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    const transfer: ArrayBuffer[] = [];
    for (const t of Object.values(feeds)) {
      const data = t.data as ArrayBufferView;
      if (data.buffer instanceof ArrayBuffer && !transfer.includes(data.buffer)) transfer.push(data.buffer);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ kind: 'run', id, feeds, fetches }, transfer);
    });
  }

  /** Releases the session and ends the worker; pending runs fail. */
  async release(): Promise<void> {
    if (this.stopped) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ kind: 'release' });
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }
}
