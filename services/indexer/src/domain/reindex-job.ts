import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import {
  ConflictError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
  type Logger,
  type ReindexJobData,
  type ReindexProgress,
  type ReindexResult,
} from '@tit/kit';
import { readDataset, sha256, sha256File, type Dataset, type DatasetCaption, type DatasetImage } from './dataset';
import type { CaptionerPort, Dependency, EmbedModel, EmbedderPort, GenerationView, HealthPort, IndexItem, IndexWriterPort } from './ports';
import { DEFAULT_RETRY, JobStoppedError, isPermanent, waitFor, withRetry, type RetryPolicy } from './retry';

/** Tuning of one worker. */
export interface ReindexSettings {
  /** Captions per chunk: embedded together, upserted in one stream, one progress step. */
  chunkSize: number;
  /** Images per chunk for caption-less folders (captioning is ~100x slower than embedding). */
  captionChunkSize: number;
  /** Texts per Embed call; a chunk's calls run concurrently so the embedder can merge them. */
  embedBatch: number;
  /** Captioner calls in flight per job. */
  captionConcurrency: number;
  /** Chunks prepared (embedded) ahead of the one being stored. */
  prefetch: number;
  retry: RetryPolicy;
}

export const DEFAULT_SETTINGS: ReindexSettings = {
  chunkSize: 512,
  captionChunkSize: 16,
  embedBatch: 128,
  captionConcurrency: 4,
  prefetch: 2,
  retry: DEFAULT_RETRY,
};

export interface ReindexDeps {
  embedder: EmbedderPort;
  index: IndexWriterPort;
  captioner: CaptionerPort;
  health: HealthPort;
  log: Logger;
  settings?: Partial<ReindexSettings>;
}

/** The queue's view of one job, independent of BullMQ. */
export interface JobContext {
  id: string;
  data: ReindexJobData;
  /** Progress stored by an earlier attempt (the resume checkpoint), or zeros. */
  previous: ReindexProgress;
  report(progress: ReindexProgress): Promise<void>;
  /** Aborts when the worker shuts down: the active chunk finishes, then JobStoppedError. */
  signal?: AbortSignal;
}

/** Runs `fn` over `items` with at most `limit` in flight, results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}

/**
 * One re-index: read the dataset, stream it in chunks through the embedder into a building
 * search generation named by the job id, and commit it once every chunk is in.
 *
 * Resuming: the build key is the job id, so a retried or stalled-and-restarted job gets its own
 * building generation back and continues after the last chunk it recorded (re-sent items replace
 * earlier ones by id). Before committing, the generation's distinct caption count must equal the
 * dataset's, so a resumed job can never commit duplicates or leftovers.
 */
export async function runReindex(job: JobContext, deps: ReindexDeps): Promise<ReindexResult> {
  const started = Date.now();
  const settings: ReindexSettings = { ...DEFAULT_SETTINGS, ...deps.settings };
  const log = deps.log.child({ jobId: job.id, dataset: job.data.dataset });
  const { signal } = job;
  const retryCtx = { health: deps.health, policy: settings.retry, log, ...(signal ? { signal } : {}) };
  // The shutdown signal is deliberately not passed to calls: it stops the job between chunks, and
  // cancelling the active chunk's calls would throw away the work SIGTERM is meant to let finish.
  const opts = job.data.requestId ? { requestId: job.data.requestId } : {};
  const call = <T>(dep: Dependency, what: string, fn: () => Promise<T>): Promise<T> => withRetry(dep, what, fn, retryCtx);
  const previous = job.previous;

  await job.report({ ...previous, phase: 'reading' });
  await waitFor('search', retryCtx);
  await waitFor('embedder', retryCtx);
  const ds = await readDataset(job.data.dataset, {
    ...(job.data.format ? { format: job.data.format } : {}),
    ...(job.data.split ? { split: job.data.split } : {}),
  });
  const skipped = ds.skippedMissingImage + ds.skippedMalformed;
  const total = ds.needsCaptions ? ds.images.length : ds.captions.length;
  const datasetDigest = digestOf(ds);
  log.info({ format: ds.format, images: ds.images.length, total, skipped, split: ds.split }, 'dataset read');
  if (ds.needsCaptions) await waitFor('captioner', retryCtx);

  const model = await call('embedder', 'GetModelInfo', () => deps.embedder.modelInfo(job.data.model ?? '', opts));
  const result = (gen: GenerationView): ReindexResult => ({
    generationId: gen.id,
    captions: gen.captionCount,
    images: gen.imageCount,
    skipped,
    generated: ds.needsCaptions ? gen.captionCount : 0,
    ms: Date.now() - started,
    skippedMissingImage: ds.skippedMissingImage,
    skippedMalformed: ds.skippedMalformed,
    format: ds.format,
    warnings: ds.warnings,
  });

  // A previous attempt may have died between Commit and marking the job complete.
  const stats = await call('search', 'GetStats', () => deps.index.stats(opts));
  if (stats.serving && stats.serving.buildKey === job.id) {
    log.info({ generationId: stats.serving.id }, 'generation of this job is already serving');
    await job.report({ done: total, total, skipped, phase: 'done', generationId: stats.serving.id });
    return result(stats.serving);
  }

  const gen = await call('search', 'BeginGeneration', () =>
    deps.index.begin({ model: model.id, dimensions: model.dimensions, dataset: ds.root, buildKey: job.id }, opts),
  );
  if (gen.model !== model.id || gen.dimensions !== model.dimensions) {
    throw new FailedPreconditionError(
      `building generation ${gen.id} holds ${gen.model}/${gen.dimensions}, the embedder serves ${model.id}/${model.dimensions}`,
    );
  }
  const sameBuild = previous.generationId === gen.id && previous.datasetDigest === datasetDigest;
  const resumeFrom = sameBuild ? Math.min(previous.done, gen.captionCount, total) : 0;
  if (resumeFrom > 0) log.info({ generationId: gen.id, resumeFrom, total }, 'resuming building generation');
  else log.info({ generationId: gen.id, total, model: model.id }, 'building generation');

  try {
    const phase: ReindexProgress['phase'] = ds.needsCaptions ? 'captioning' : 'embedding';
    await job.report({ done: resumeFrom, total, skipped, phase, generationId: gen.id, datasetDigest });

    const builder = new ChunkBuilder(ds, model, settings, deps, call, opts);
    const size = ds.needsCaptions ? settings.captionChunkSize : settings.chunkSize;
    const ranges: Array<[number, number]> = [];
    for (let s = resumeFrom; s < total; s += size) ranges.push([s, Math.min(total, s + size)]);

    let captionCount = gen.captionCount;
    // Pipelined: up to `prefetch` chunks are being embedded while the current one is upserted, so
    // the embedder always has the next texts queued and never waits for this loop.
    const pending: Array<Promise<IndexItem[]>> = [];
    let next = 0;
    const fill = (): void => {
      while (next < ranges.length && pending.length <= settings.prefetch && !signal?.aborted) {
        const p = builder.build(ranges[next++]);
        // A prefetch that fails while an earlier chunk is still upserting is reported when awaited.
        p.catch(() => undefined);
        pending.push(p);
      }
    };
    fill();
    for (let c = 0; c < ranges.length; c++) {
      const items = await (pending.shift() as Promise<IndexItem[]>);
      fill();
      const res = await call('search', 'Upsert', () => deps.index.upsert(gen.id, items, opts)).catch((err: unknown) => {
        // The building generation is gone (search restarted without it, or it was aborted): the
        // data is fine, so this must be retried, and the next attempt begins a new generation.
        if (err instanceof FailedPreconditionError || err instanceof NotFoundError) {
          throw new Error(`generation ${gen.id} is no longer building (${err.message}); the job will begin a new one`);
        }
        throw err;
      });
      captionCount = res.captionCount;
      await job.report({ done: ranges[c][1], total, skipped, phase, generationId: gen.id, datasetDigest });
      if (signal?.aborted && c + 1 < ranges.length) throw new JobStoppedError();
    }

    if (captionCount !== total) {
      // Left over from a dataset that changed between attempts, or lost by the search service:
      // never commit it. The next attempt begins a fresh generation under the same build key.
      await call('search', 'Abort', () => deps.index.abort(gen.id, opts));
      throw new Error(`generation ${gen.id} holds ${captionCount} captions but the dataset has ${total}; discarded, the job will rebuild it`);
    }
    await job.report({ done: total, total, skipped, phase: 'committing', generationId: gen.id, datasetDigest });
    const committed = await commit(gen.id, deps.index, call, opts);
    const out = result(committed);
    await job.report({ done: total, total, skipped, phase: 'done', generationId: committed.id, datasetDigest });
    log.info({ generationId: committed.id, captions: out.captions, images: out.images, skipped, ms: out.ms }, 're-index committed');
    return out;
  } catch (err) {
    // Bad data cannot succeed on retry: free the building generation instead of leaving it to
    // hold memory in the search service. Transient failures keep it for the resumed attempt.
    if (isPermanent(err)) {
      await deps.index.abort(gen.id, opts).catch((e: unknown) => log.warn({ err: e }, 'could not abort the building generation'));
    }
    throw err;
  }
}

/** Digest of what will be indexed, in order: a checkpoint is only valid for the same content. */
function digestOf(ds: Dataset): string {
  const h = createHash('sha256').update(`${ds.format}\0${ds.split ?? ''}\0`);
  if (ds.needsCaptions) for (const i of ds.images) h.update(`${i.id}\0${i.relPath}\n`);
  else for (const c of ds.captions) h.update(`${c.itemId}\0${c.text}\n`);
  return h.digest('hex').slice(0, 32);
}

/** Commits, treating "already committed" after a lost response as success. */
async function commit(
  generationId: string,
  index: IndexWriterPort,
  call: <T>(dep: Dependency, what: string, fn: () => Promise<T>) => Promise<T>,
  opts: { requestId?: string; signal?: AbortSignal },
): Promise<GenerationView> {
  try {
    return await call('search', 'Commit', () => index.commit(generationId, opts));
  } catch (err) {
    if (!(err instanceof FailedPreconditionError || err instanceof ConflictError || err instanceof NotFoundError)) throw err;
    const stats = await call('search', 'GetStats', () => index.stats(opts));
    if (stats.serving?.id === generationId) return stats.serving;
    // Not serving and no longer building: it was lost. Retryable, the next attempt rebuilds it.
    throw new Error(`generation ${generationId} could not be committed (${err.message}); the job will rebuild it`);
  }
}

/** Turns a range of the dataset into index items: hashes, captions (when needed) and vectors. */
class ChunkBuilder {
  private readonly hashes = new Map<string, Promise<string>>();

  constructor(
    private readonly ds: Dataset,
    private readonly model: EmbedModel,
    private readonly settings: ReindexSettings,
    private readonly deps: ReindexDeps,
    private readonly call: <T>(dep: Dependency, what: string, fn: () => Promise<T>) => Promise<T>,
    private readonly opts: { requestId?: string; signal?: AbortSignal },
  ) {}

  async build([from, to]: [number, number]): Promise<IndexItem[]> {
    if (this.ds.needsCaptions) return this.buildGenerated(this.ds.images.slice(from, to));
    const captions = this.ds.captions.slice(from, to);
    const [vectors, hashes] = await Promise.all([
      this.embed(captions.map((c) => c.text)),
      Promise.all(captions.map((c) => this.hashOf(c))),
    ]);
    return captions.map((c, i) => ({
      id: c.itemId,
      imageId: c.imageId,
      caption: c.text,
      vector: vectors[i],
      imagePath: this.image(c.imageId).relPath,
      contentHash: hashes[i],
      generated: false,
    }));
  }

  private imageById?: Map<string, DatasetImage>;

  private image(id: string): DatasetImage {
    this.imageById ??= new Map(this.ds.images.map((i) => [i.id, i] as const));
    return this.imageById.get(id) as DatasetImage;
  }

  private hashOf(c: DatasetCaption): Promise<string> {
    let h = this.hashes.get(c.imageId);
    if (!h) {
      h = sha256File(this.image(c.imageId).absPath);
      this.hashes.set(c.imageId, h);
    }
    return h;
  }

  private async buildGenerated(images: DatasetImage[]): Promise<IndexItem[]> {
    const captioned = await mapLimit(images, this.settings.captionConcurrency, async (img) => {
      const bytes = await fs.readFile(img.absPath);
      const res = await this.call('captioner', 'Caption', () => this.deps.captioner.caption(bytes, this.opts));
      const caption = res.caption.trim();
      if (caption === '') throw new InvalidInputError(`the captioner wrote an empty caption for ${img.relPath}`);
      return { img, caption, hash: sha256(bytes) };
    });
    const vectors = await this.embed(captioned.map((c) => c.caption));
    return captioned.map(({ img, caption, hash }, i) => ({
      id: `${img.id}#0`,
      imageId: img.id,
      caption,
      vector: vectors[i],
      imagePath: img.relPath,
      contentHash: hash,
      generated: true,
    }));
  }

  /** Embeds texts in concurrent batches; one Buffer view per text. */
  private async embed(texts: string[]): Promise<Buffer[]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.settings.embedBatch) batches.push(texts.slice(i, i + this.settings.embedBatch));
    const results = await Promise.all(
      batches.map((batch) => this.call('embedder', 'Embed', () => this.deps.embedder.embed(batch, this.model.id, this.opts))),
    );
    const rowBytes = this.model.dimensions * 4;
    const out: Buffer[] = [];
    results.forEach((res, b) => {
      const n = batches[b].length;
      if (res.count !== n || res.dimensions !== this.model.dimensions || res.vectors.length !== n * rowBytes) {
        throw new Error(
          `embedder returned ${res.count}x${res.dimensions} (${res.vectors.length} bytes) for ${n} texts of ${this.model.dimensions} dimensions`,
        );
      }
      for (let i = 0; i < n; i++) out.push(res.vectors.subarray(i * rowBytes, (i + 1) * rowBytes));
    });
    return out;
  }
}
