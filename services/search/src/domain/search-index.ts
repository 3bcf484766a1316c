import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ConflictError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
  OverloadedError,
  UnavailableError,
  type Logger,
} from '@tit/kit';
import { AnnIndex, type AnnOptions } from './ann-index';
import { Generation, type RankingOptions } from './generation';
import { GenerationBuilder, newGenerationId, type BuildLimits } from './generation-builder';
import { SnapshotError } from './snapshot-format';
import type { CurrentPointer, SnapshotStore } from './snapshot-store';
import type { GenerationInfo, ImageRecord, IndexStats, ItemInput, QueryInput, QueryResult } from './types';

/** Limits on queries. */
export interface QueryLimits {
  maxK: number;
  maxTextChars: number;
  /** Most exclusions (image ids plus content hashes) in one query. */
  maxExclusions: number;
}

/** Tells other replicas that CURRENT changed (Redis pub/sub in production). */
export interface GenerationNotifier {
  publish(currentText: string): Promise<void>;
}

export interface SearchIndexOptions {
  /** The writer accepts generation writes; replicas only follow CURRENT. */
  role: 'writer' | 'replica';
  buildLimits: BuildLimits;
  queryLimits: QueryLimits;
  ranking: RankingOptions;
  ann: AnnOptions;
  /** Where committed generations are persisted; null keeps everything in memory (tests). */
  snapshots: SnapshotStore | null;
  /** Snapshot files kept (the served and previous ones are always kept). */
  snapshotKeep: number;
  /** Most generations building at once. */
  maxBuilding: number;
  /** A building generation without upserts for this long is discarded. */
  buildIdleTtlMs: number;
  log: Logger;
  notifier?: GenerationNotifier | null;
  now?: () => number;
}

/** One message of an upsert stream. */
export interface UpsertChunk {
  generationId: string;
  items: readonly ItemInput[];
}

export interface UpsertOutcome {
  generationId: string;
  received: number;
  captionCount: number;
}

const MAX_DIMENSIONS = 4096;

/**
 * The service's state: the served generation (the only one queries see), the previous one (the
 * rollback target) and the generations being built. Commit and rollback swap one reference after
 * the snapshot and the CURRENT pointer are durable, so a query sees either the old or the new
 * generation, never a mix. Commits, rollbacks and replica syncs are serialized by one lock.
 */
export class SearchIndex {
  private serving: Generation | null = null;
  private previous: Generation | null = null;
  private readonly building = new Map<string, GenerationBuilder>();
  private readonly problems = new Map<string, string>();
  private readonly annBuilds = new Map<string, AbortController>();
  private lock: Promise<unknown> = Promise.resolve();
  private lastCurrentText: string | null = null;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly opts: SearchIndexOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
  }

  /** Runs `fn` after every earlier locked operation finished. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  // ------------------------------------------------------------------ reads

  /** The served generation's id, or null before the first commit. */
  get servingId(): string | null {
    return this.serving?.id ?? null;
  }

  query(q: QueryInput): QueryResult {
    const { maxK, maxTextChars, maxExclusions } = this.opts.queryLimits;
    if (!Number.isInteger(q.k) || q.k < 1 || q.k > maxK) throw new InvalidInputError(`k must be between 1 and ${maxK} (got ${q.k})`);
    if (q.text.length > maxTextChars) {
      throw new InvalidInputError(`text has ${q.text.length} characters, over the limit of ${maxTextChars}`);
    }
    const exclusions = q.excludeImageIds.length + q.excludeContentHashes.length;
    if (exclusions > maxExclusions) {
      throw new InvalidInputError(`${exclusions} exclusions, over the limit of ${maxExclusions}`);
    }
    if (q.threshold !== undefined && !Number.isFinite(q.threshold)) throw new InvalidInputError('threshold must be a finite number');
    const gen = this.serving;
    if (!gen) throw new FailedPreconditionError('no generation has been committed yet');
    return gen.query(q);
  }

  getImage(imageId: string): ImageRecord {
    if (!imageId) throw new InvalidInputError('image_id is required');
    const gen = this.serving;
    if (!gen) throw new FailedPreconditionError('no generation has been committed yet');
    return gen.image(imageId);
  }

  stats(): IndexStats {
    this.sweepIdleBuilds();
    const building = [...this.building.values()];
    return {
      serving: this.serving?.info('serving') ?? null,
      previous: this.previous?.info('previous') ?? null,
      building: building.map((b) => b.info()),
      vectorBytes:
        (this.serving?.store.bytes ?? 0) +
        (this.previous?.store.bytes ?? 0) +
        building.reduce((s, b) => s + b.vectorBytes, 0),
      rssBytes: process.memoryUsage.rss(),
      approximate: this.serving?.approximate ?? false,
      snapshotProblems: [...this.problems].map(([file, reason]) => `${file}: ${reason}`),
    };
  }

  // ----------------------------------------------------------------- writes

  private requireWriter(): void {
    if (this.opts.role !== 'writer') {
      throw new FailedPreconditionError(
        'this replica is read-only (SEARCH_ROLE=replica); send generation writes to the writer (SEARCH_WRITER_ADDR)',
      );
    }
  }

  private sweepIdleBuilds(): void {
    const now = this.now();
    for (const [id, b] of this.building) {
      if (b.state === 'building' && now - b.lastActivityMs > this.opts.buildIdleTtlMs) {
        this.building.delete(id);
        this.log.warn({ generation: id, idleMs: now - b.lastActivityMs }, 'discarded an idle building generation');
      }
    }
  }

  begin(req: { model: string; dimensions: number; dataset: string; buildKey: string }): GenerationInfo {
    this.requireWriter();
    this.sweepIdleBuilds();
    const { maxIdChars } = this.opts.buildLimits;
    if (!req.model) throw new InvalidInputError('model is required');
    if (req.model.length > maxIdChars) throw new InvalidInputError(`model has over ${maxIdChars} characters`);
    if (req.buildKey.length > maxIdChars) throw new InvalidInputError(`build_key has over ${maxIdChars} characters`);
    if (req.dataset.length > 4096) throw new InvalidInputError('dataset has over 4096 characters');
    if (!Number.isInteger(req.dimensions) || req.dimensions < 1 || req.dimensions > MAX_DIMENSIONS) {
      throw new InvalidInputError(`dimensions must be between 1 and ${MAX_DIMENSIONS} (got ${req.dimensions})`);
    }
    if (req.buildKey) {
      for (const b of this.building.values()) {
        if (b.buildKey !== req.buildKey) continue;
        if (b.model !== req.model || b.dimensions !== req.dimensions) {
          throw new FailedPreconditionError(
            `build key "${req.buildKey}" is building generation ${b.id} for model "${b.model}" with ` +
              `${b.dimensions} dimensions, not "${req.model}" with ${req.dimensions}`,
          );
        }
        return b.info();
      }
    }
    if (this.building.size >= this.opts.maxBuilding) {
      throw new OverloadedError(`${this.building.size} generations are already building, the limit (SEARCH_MAX_BUILDING)`);
    }
    const now = this.now();
    const b = new GenerationBuilder(
      newGenerationId(now),
      req.model,
      req.dimensions,
      req.dataset,
      req.buildKey,
      now,
      this.opts.buildLimits,
    );
    this.building.set(b.id, b);
    this.log.info({ generation: b.id, model: b.model, dimensions: b.dimensions, buildKey: b.buildKey }, 'generation begun');
    return b.info();
  }

  private builderFor(id: string): GenerationBuilder {
    const b = this.building.get(id);
    if (!b) throw new NotFoundError(`generation ${id || '(empty id)'} is not building (unknown, committed or aborted)`);
    if (b.state === 'committing') throw new ConflictError(`generation ${id} is being committed`);
    return b;
  }

  /** Applies an upsert stream; every message must name the same building generation. */
  async upsert(stream: AsyncIterable<UpsertChunk>): Promise<UpsertOutcome> {
    this.requireWriter();
    let id: string | null = null;
    let received = 0;
    let b: GenerationBuilder | null = null;
    for await (const chunk of stream) {
      if (id === null) id = chunk.generationId;
      else if (chunk.generationId !== id) {
        throw new InvalidInputError(`every message of one upsert stream must name generation ${id} (got ${chunk.generationId})`);
      }
      b = this.builderFor(id);
      received += b.upsert(chunk.items, this.now());
    }
    if (id === null || !b) throw new InvalidInputError('the upsert stream carried no message');
    return { generationId: id, received, captionCount: b.captionCount };
  }

  abort(id: string): GenerationInfo {
    this.requireWriter();
    const b = this.builderFor(id);
    this.building.delete(id);
    this.log.info({ generation: id }, 'generation aborted');
    return { ...b.info(), state: 'aborted' };
  }

  commit(id: string): Promise<GenerationInfo> {
    this.requireWriter();
    const b = this.builderFor(id);
    if (b.captionCount === 0) throw new FailedPreconditionError(`generation ${id} has no captions; upsert before committing`);
    b.state = 'committing';
    return this.locked(async () => {
      let gen: Generation;
      try {
        gen = await Generation.fromBuilder(b, this.now(), this.opts.ranking);
        await this.persist(gen, { serving: gen.id, previous: this.serving?.id ?? null, updatedAtMs: this.now() }, true);
      } catch (err) {
        b.state = 'building';
        throw err;
      }
      this.building.delete(id);
      this.swapIn(gen);
      this.log.info(
        { generation: gen.id, captions: gen.captionCount, images: gen.imageCount, previous: this.previous?.id },
        'generation committed',
      );
      this.afterChange();
      return gen.info('serving');
    });
  }

  rollback(): Promise<GenerationInfo> {
    this.requireWriter();
    return this.locked(async () => {
      const target = this.previous;
      const current = this.serving;
      if (!target || !current) throw new FailedPreconditionError('there is no previous generation to roll back to');
      await this.persist(null, { serving: target.id, previous: current.id, updatedAtMs: this.now() }, false);
      this.serving = target;
      this.previous = current;
      this.log.info({ generation: target.id, previous: current.id }, 'rolled back');
      this.afterChange();
      return target.info('serving');
    });
  }

  /** Writes the snapshot (when given) and CURRENT; failures become UNAVAILABLE and change nothing. */
  private async persist(gen: Generation | null, pointer: CurrentPointer, removeOnFailure: boolean): Promise<void> {
    const store = this.opts.snapshots;
    if (!store) return;
    try {
      if (gen) await store.write(gen);
      this.lastCurrentText = await store.writeCurrent(pointer);
    } catch (err) {
      this.log.error({ err, generation: pointer.serving }, 'could not persist the generation');
      if (gen && removeOnFailure) {
        await fs.rm(store.fileOf(gen.id), { force: true }).catch(() => undefined);
      }
      throw new UnavailableError(`could not persist generation ${pointer.serving}: ${(err as Error).message}`);
    }
  }

  /** Makes `gen` the served generation; the served one becomes previous, the old previous is dropped. */
  private swapIn(gen: Generation): void {
    const dropped = this.previous;
    this.previous = this.serving;
    this.serving = gen;
    if (dropped && dropped !== this.serving && dropped !== this.previous) this.drop(dropped);
  }

  private drop(gen: Generation): void {
    this.annBuilds.get(gen.id)?.abort();
    this.annBuilds.delete(gen.id);
    gen.dispose();
  }

  /** Notifies replicas, prunes old snapshots and starts the approximate index, none awaited. */
  private afterChange(): void {
    const { snapshots, notifier } = this.opts;
    if (notifier && this.lastCurrentText && this.opts.role === 'writer') {
      notifier.publish(this.lastCurrentText).catch((err: unknown) => this.log.warn({ err }, 'could not notify replicas'));
    }
    if (snapshots && this.opts.role === 'writer') {
      const protect = new Set([this.serving?.id, this.previous?.id].filter((x): x is string => !!x));
      snapshots
        .prune(protect, this.opts.snapshotKeep)
        .then((deleted) => deleted.length > 0 && this.log.info({ deleted }, 'old snapshots deleted'))
        .catch((err: unknown) => this.log.warn({ err }, 'could not prune snapshots'));
    }
    if (this.serving) this.startApproximate(this.serving);
  }

  private startApproximate(gen: Generation): void {
    const { threshold } = this.opts.ann;
    if (threshold <= 0 || gen.captionCount < threshold || gen.approximate || this.annBuilds.has(gen.id)) return;
    const ctl = new AbortController();
    this.annBuilds.set(gen.id, ctl);
    const started = performance.now();
    AnnIndex.build(gen.store, this.opts.ann, ctl.signal).then(
      (ann) => {
        this.annBuilds.delete(gen.id);
        if (gen !== this.serving && gen !== this.previous) {
          ann.dispose();
          return;
        }
        gen.setApproximateIndex(ann);
        this.log.info({ generation: gen.id, ms: Math.round(performance.now() - started) }, 'approximate index ready');
      },
      (err: unknown) => {
        this.annBuilds.delete(gen.id);
        if (!ctl.signal.aborted) this.log.warn({ err, generation: gen.id }, 'approximate index build failed; exact search continues');
      },
    );
  }

  /** Resolves when the served generation's approximate index is built (or none will be). */
  async approximateReady(timeoutMs = 600_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const gen = this.serving;
      if (!gen) return false;
      if (gen.approximate) return true;
      if (!this.annBuilds.has(gen.id)) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  // -------------------------------------------------------- restore & sync

  private problem(file: string, reason: string): void {
    const name = path.basename(file);
    if (this.problems.get(name) === reason) return;
    this.problems.set(name, reason);
    this.log.error({ file: name, reason }, 'snapshot refused');
  }

  private async load(id: string): Promise<Generation> {
    const store = this.opts.snapshots!;
    const snap = await store.read(id);
    if (snap.meta.id !== id) throw new SnapshotError(store.fileOf(id), `holds generation ${snap.meta.id}, not ${id}`);
    return Generation.assemble(snap.meta, snap.content, snap.store, this.opts.ranking);
  }

  /** Loads snapshot `id`, or records why it cannot be served and returns null. */
  private async tryLoad(id: string): Promise<Generation | null> {
    try {
      return await this.load(id);
    } catch (err) {
      if (err instanceof SnapshotError) this.problem(err.file, err.reason);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.problem(`${id}.snap`, 'missing');
      else this.problem(`${id}.snap`, (err as Error).message);
      return null;
    }
  }

  /**
   * Restores the generation CURRENT names (and its previous) from the snapshot folder. When CURRENT
   * is missing or invalid, or names a corrupt snapshot, the most recently committed valid snapshot
   * is served instead. Corrupt files are reported (log and stats) and never served.
   */
  restore(): Promise<void> {
    return this.locked(async () => {
      const store = this.opts.snapshots;
      if (!store) return;
      const started = performance.now();
      const text = await store.readCurrentText();
      let pointer: CurrentPointer | null = null;
      if (text !== null) {
        try {
          pointer = store.parseCurrent(text);
        } catch (err) {
          if (err instanceof SnapshotError) this.problem(err.file, err.reason);
          else throw err;
        }
      }
      let gen = pointer ? await this.tryLoad(pointer.serving) : null;
      if (!gen) {
        const metas: Array<{ id: string; committedAtMs: number }> = [];
        for (const id of await store.list()) {
          if (id === pointer?.serving) continue;
          try {
            metas.push({ id, committedAtMs: (await store.readMeta(id)).committedAtMs });
          } catch (err) {
            if (err instanceof SnapshotError) this.problem(err.file, err.reason);
            else this.problem(`${id}.snap`, (err as Error).message);
          }
        }
        metas.sort((a, b) => b.committedAtMs - a.committedAtMs);
        for (const m of metas) if ((gen = await this.tryLoad(m.id))) break;
      }
      if (!gen) {
        this.lastCurrentText = text;
        this.log.info({ dir: store.dir }, 'no snapshot to restore; serving nothing until a commit');
        return;
      }
      this.serving = gen;
      const prevId = pointer && pointer.serving === gen.id ? pointer.previous : null;
      if (prevId && prevId !== gen.id) this.previous = await this.tryLoad(prevId);
      if (pointer?.serving === gen.id) this.lastCurrentText = text;
      else if (this.opts.role === 'writer') {
        // CURRENT was unusable: point it at what is served so replicas agree.
        this.lastCurrentText = await store.writeCurrent({ serving: gen.id, previous: null, updatedAtMs: this.now() });
      }
      this.log.info(
        { generation: gen.id, previous: this.previous?.id, captions: gen.captionCount, ms: Math.round(performance.now() - started) },
        'restored from snapshot',
      );
      this.startApproximate(gen);
    });
  }

  /**
   * Replica sync: when CURRENT changed since last seen, serve the generation it names (swapping
   * with the previous one for a rollback, loading its snapshot otherwise). Returns whether the
   * served generation changed. A corrupt snapshot is reported and the current one kept.
   */
  follow(): Promise<boolean> {
    return this.locked(async () => {
      const store = this.opts.snapshots;
      if (!store) return false;
      const text = await store.readCurrentText();
      if (text === null || text === this.lastCurrentText) return false;
      let pointer: CurrentPointer;
      try {
        pointer = store.parseCurrent(text);
      } catch (err) {
        if (!(err instanceof SnapshotError)) throw err;
        this.problem(err.file, err.reason);
        this.lastCurrentText = text;
        return false;
      }
      if (this.serving?.id === pointer.serving) {
        this.lastCurrentText = text;
        return false;
      }
      if (this.previous && this.previous.id === pointer.serving) {
        [this.serving, this.previous] = [this.previous, this.serving];
        this.lastCurrentText = text;
        this.log.info({ generation: pointer.serving }, 'followed a rollback');
        this.afterChange();
        return true;
      }
      let gen: Generation;
      try {
        gen = await this.load(pointer.serving);
      } catch (err) {
        if (err instanceof SnapshotError) {
          this.problem(err.file, err.reason);
          this.lastCurrentText = text; // do not retry the same corrupt file every poll
        } else {
          this.log.warn({ err, generation: pointer.serving }, 'could not read the snapshot; will retry');
        }
        return false;
      }
      this.swapIn(gen);
      this.lastCurrentText = text;
      this.log.info({ generation: gen.id, captions: gen.captionCount }, 'followed a commit');
      this.afterChange();
      return true;
    });
  }

  /** Stops approximate index builds and releases the generations. */
  close(): void {
    for (const ctl of this.annBuilds.values()) ctl.abort();
    this.annBuilds.clear();
    this.serving?.dispose();
    this.previous?.dispose();
  }
}
