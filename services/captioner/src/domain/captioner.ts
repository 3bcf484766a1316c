import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { DeadlineError, NotFoundError, OverloadedError, UnavailableError } from '@tit/kit';
import { decodeImage, type ImageLimits } from './image-decoder';
import { EncoderBatcher, type BatcherOptions } from './encoder-batcher';
import { search } from './generation';
import { resolveOptions, searchParams, type GenerationLimits, type GenerationOverrides, type ResolvedOptions } from './generation-config';
import { LruCache } from './lru-cache';
import { loadCaptionModel, type CaptionModel, type ModelFiles, type RuntimeOptions } from './model-loader';
import { preprocess, type PreprocessOptions } from './preprocess';

/** Service-wide settings of the captioner. */
export interface CaptionerOptions {
  readonly limits: ImageLimits;
  readonly generation: GenerationLimits;
  /** Most cached captions (CAPTIONER_CACHE_SIZE); 0 disables the cache. */
  readonly cacheSize: number;
  /** Most captions being computed at once, queued ones included (CAPTIONER_QUEUE_LIMIT). */
  readonly queueLimit: number;
  /** Most captions generating text at once (CAPTIONER_DECODE_CONCURRENCY). */
  readonly decodeConcurrency: number;
  readonly batch: BatcherOptions;
  readonly preprocess: PreprocessOptions;
  readonly runtime: RuntimeOptions;
}

/** One caption request. */
export interface CaptionInput {
  readonly image: Uint8Array;
  /** Model id; empty or undefined selects the default (first configured) model. */
  readonly model?: string;
  readonly options?: GenerationOverrides;
  /** Aborted when the caller cancels or the deadline passes. */
  readonly signal?: AbortSignal;
  /** Reuse past key/values between decoding steps (default true; false only for tests and benchmarks). */
  readonly kvCache?: boolean;
}

/** Milliseconds per stage; all zero for a cached answer. */
export interface StageTimings {
  decodeMs: number;
  preprocessMs: number;
  encodeMs: number;
  generateMs: number;
}

/** A caption and how it was made. */
export interface CaptionResult {
  readonly caption: string;
  readonly model: string;
  /** Generated tokens, end token excluded. */
  readonly tokens: readonly number[];
  readonly timings: StageTimings;
  /** SHA-256 of the image bytes, hex. */
  readonly contentHash: string;
  readonly cached: boolean;
}

/** What GetModelInfo / ListModels report. */
export interface ModelDescription {
  readonly id: string;
  readonly imageSize: number;
  readonly decoderLayout: string;
  readonly defaults: ResolvedOptions;
  readonly isDefault: boolean;
  /** Whether the image-only part of the decoder was split off (hoist.ts); for logs. */
  readonly hoisted: boolean;
}

const ZERO: StageTimings = { decodeMs: 0, preprocessMs: 0, encodeMs: 0, generateMs: 0 };

interface Served {
  readonly model: CaptionModel;
  readonly batcher: EncoderBatcher;
}

interface Shared {
  readonly promise: Promise<CaptionResult>;
  readonly controller: AbortController;
  waiters: number;
}

/** Counting semaphore (FIFO). */
class Semaphore {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}

  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const elapsed = (start: number): number => +(performance.now() - start).toFixed(3);

function abortError(): DeadlineError {
  return new DeadlineError('caption stopped: the request was cancelled or its deadline passed');
}

/** Resolves like `promise`, or rejects with DeadlineError as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * The captioning service's domain: model selection, option validation, the content-hash cache
 * (identical concurrent requests share one computation), admission control, and the pipeline
 * decode → preprocess → encode (dynamically batched per model) → generate → detokenize.
 */
export class Captioner {
  private readonly served = new Map<string, Served>();
  private readonly cache: LruCache<string, CaptionResult>;
  private readonly inFlight = new Map<string, Shared>();
  private readonly decodeSlots: Semaphore;
  private active = 0;
  private started = false;

  constructor(
    private readonly files: readonly ModelFiles[],
    private readonly opts: CaptionerOptions,
  ) {
    if (files.length === 0) throw new Error('the captioner needs at least one model');
    this.cache = new LruCache(opts.cacheSize);
    this.decodeSlots = new Semaphore(opts.decodeConcurrency);
  }

  /** The default model's id. */
  get defaultModel(): string {
    return this.files[0].id;
  }

  /** Loads every model and runs one caption through each, so the first request is not the slow one. */
  async start(): Promise<void> {
    for (const f of this.files) {
      const model = await loadCaptionModel(f, this.opts.runtime);
      const size = { height: model.preprocess.height, width: model.preprocess.width };
      const batcher = new EncoderBatcher((images) => model.encoder.encode(images, size.height, size.width), {
        maxBatch: Math.max(1, Math.min(this.opts.batch.maxBatch, model.encoder.maxBatch)),
        maxWaitMs: this.opts.batch.maxWaitMs,
      });
      this.served.set(f.id, { model, batcher });
    }
    const probe = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 120, g: 140, b: 160 } } }).png().toBuffer();
    for (const id of this.served.keys()) {
      await this.compute(this.served.get(id) as Served, probe, { ...this.defaultsOf(id), maxNewTokens: 2, minNewTokens: 0 }, undefined, true);
    }
    this.started = true;
  }

  /** Releases every session. */
  async close(): Promise<void> {
    this.started = false;
    await Promise.all([...this.served.values()].map((s) => s.model.close()));
    this.served.clear();
    this.cache.clear();
  }

  /** Counters for tests and logs: encoder batch sizes per model, captions in progress, cached captions. */
  stats(): { encoderBatches: Record<string, readonly number[]>; active: number; cached: number } {
    const encoderBatches = Object.fromEntries([...this.served].map(([id, s]) => [id, [...s.batcher.batchSizes]]));
    return { encoderBatches, active: this.active, cached: this.cache.size };
  }

  /**
   * A loaded model's sessions (the default model's when `id` is empty), for benchmarks that drive
   * the very sessions the service runs; undefined before `start`.
   */
  loadedModel(id?: string): CaptionModel | undefined {
    return this.served.get(this.resolveId(id))?.model;
  }

  /** Every served model, default first. */
  list(): ModelDescription[] {
    return this.files.map((f) => this.describe(f.id));
  }

  /** One served model (the default when `id` is empty). */
  info(id?: string): ModelDescription {
    return this.describe(this.resolveId(id));
  }

  /** Captions one image; see {@link CaptionInput}. */
  async caption(input: CaptionInput): Promise<CaptionResult> {
    const id = this.resolveId(input.model);
    if (!this.started) throw new UnavailableError('the captioner is still loading its models');
    const served = this.served.get(id) as Served;
    // Validate options before hashing or queueing: a bad option never costs a decode.
    const options = resolveOptions(served.model.defaults, input.options ?? {}, this.opts.generation);
    const contentHash = createHash('sha256').update(input.image).digest('hex');
    const kvCache = input.kvCache !== false;
    const key = `${id}\n${contentHash}\n${JSON.stringify(options)}\n${kvCache}`;

    const hit = this.cache.get(key);
    if (hit) return { ...hit, cached: true, timings: { ...ZERO } };
    const shared = this.inFlight.get(key);
    if (shared) return this.join(shared, input.signal);

    if (this.active >= this.opts.queueLimit) {
      throw new OverloadedError(`the captioner is busy: ${this.active} captions in progress (CAPTIONER_QUEUE_LIMIT ${this.opts.queueLimit}); retry later`);
    }
    const controller = new AbortController();
    this.active++;
    const promise = this.compute(served, input.image, options, controller.signal, kvCache)
      .then((r) => {
        const result: CaptionResult = { ...r, contentHash };
        this.cache.set(key, result);
        return result;
      })
      .finally(() => {
        this.active--;
        this.inFlight.delete(key);
      });
    const entry: Shared = { promise, controller, waiters: 0 };
    this.inFlight.set(key, entry);
    return this.join(entry, input.signal, true);
  }

  /** Waits for a shared computation; it is aborted only when every waiter has gone. */
  private async join(shared: Shared, signal: AbortSignal | undefined, owner = false): Promise<CaptionResult> {
    shared.waiters++;
    const leave = (): void => {
      shared.waiters--;
      if (shared.waiters === 0) shared.controller.abort();
    };
    signal?.addEventListener('abort', leave, { once: true });
    try {
      const r = await untilAborted(shared.promise, signal);
      return owner ? r : { ...r, cached: true, timings: { ...ZERO } };
    } finally {
      signal?.removeEventListener('abort', leave);
      if (!signal?.aborted) shared.waiters--;
    }
  }

  private async compute(
    served: Served,
    image: Uint8Array,
    options: ResolvedOptions,
    signal: AbortSignal | undefined,
    kvCache: boolean,
  ): Promise<Omit<CaptionResult, 'contentHash'>> {
    const { model, batcher } = served;
    const timings: StageTimings = { ...ZERO };
    let t = performance.now();
    const decoded = await decodeImage(image, this.opts.limits);
    timings.decodeMs = elapsed(t);
    if (signal?.aborted) throw abortError();

    t = performance.now();
    const { pixels } = await preprocess(decoded, model.preprocess, this.opts.preprocess);
    timings.preprocessMs = elapsed(t);
    if (signal?.aborted) throw abortError();

    t = performance.now();
    const encoded = await batcher.encode(pixels);
    timings.encodeMs = elapsed(t);

    const result = await this.decodeSlots.use(async () => {
      if (signal?.aborted) throw abortError();
      const start = performance.now();
      const session = model.decoder.open(encoded, kvCache);
      try {
        return { ...(await search(session, searchParams(model.defaults, options), signal)), start };
      } finally {
        session.dispose();
      }
    });
    timings.generateMs = elapsed(result.start);
    return { caption: model.tokenizer.decode(result.tokens), model: model.id, tokens: result.tokens, timings, cached: false };
  }

  private resolveId(id: string | undefined): string {
    if (!id) return this.defaultModel;
    if (!this.files.some((f) => f.id === id)) {
      throw new NotFoundError(`unknown model ${id}; served models: ${this.files.map((f) => f.id).join(', ')}`);
    }
    return id;
  }

  private defaultsOf(id: string): ResolvedOptions {
    const served = this.served.get(id);
    if (!served) throw new UnavailableError('the captioner is still loading its models');
    return resolveOptions(served.model.defaults, {}, this.opts.generation);
  }

  private describe(id: string): ModelDescription {
    const served = this.served.get(id);
    if (!served) throw new UnavailableError('the captioner is still loading its models');
    return {
      id,
      imageSize: served.model.preprocess.height,
      decoderLayout: served.model.layout,
      defaults: this.defaultsOf(id),
      isDefault: id === this.defaultModel,
      hoisted: served.model.hoisted,
    };
  }
}
