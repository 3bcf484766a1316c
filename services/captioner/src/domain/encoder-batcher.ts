import type { EncoderState } from './onnx-decoder';

/** Runs one batch of preprocessed images through the encoder. */
export type EncodeBatch = (images: readonly Float32Array[]) => Promise<EncoderState[]>;

/** Batching policy. */
export interface BatcherOptions {
  /** Most images in one encoder run (CAPTIONER_MAX_BATCH, capped by the graph's batch dimension). */
  readonly maxBatch: number;
  /** How long the first image of a batch waits for company while the encoder is idle (CAPTIONER_BATCH_WAIT_MS). */
  readonly maxWaitMs: number;
}

interface Pending {
  readonly image: Float32Array;
  resolve(state: EncoderState): void;
  reject(err: unknown): void;
}

/**
 * Dynamic batching of encoder runs: concurrent requests' images share one session run. While the
 * encoder is busy, arrivals queue and go together in the next run as soon as it is free; when it
 * is idle, the first arrival waits at most `maxWaitMs` for others (0: only those arriving in the
 * same tick). One run at a time per model, so batches form under load instead of runs competing
 * for the cores.
 */
export class EncoderBatcher {
  private queue: Pending[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  /** Sizes of the batches run so far (bounded), for tests and metrics. */
  readonly batchSizes: number[] = [];

  constructor(
    private readonly run: EncodeBatch,
    private readonly opts: BatcherOptions,
  ) {}

  /** Encodes one image, possibly together with others. */
  encode(image: Float32Array): Promise<EncoderState> {
    return new Promise<EncoderState>((resolve, reject) => {
      this.queue.push({ image, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.opts.maxBatch) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.maxWaitMs);
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    const batch = this.queue.slice(0, this.opts.maxBatch);
    this.queue = this.queue.slice(batch.length);
    this.running = true;
    if (this.batchSizes.length < 1000) this.batchSizes.push(batch.length);
    void this.run(batch.map((p) => p.image))
      .then(
        (states) => batch.forEach((p, i) => p.resolve(states[i])),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.running = false;
        // Whatever queued meanwhile goes now: it has already waited for a whole encoder run.
        if (this.queue.length > 0) this.flush();
      });
  }
}
