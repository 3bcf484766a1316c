import { randomBytes } from 'node:crypto';
import { InvalidInputError, TooLargeError } from '@tit/kit';
import { normalizeInPlace, decodeVector } from './vectors';
import { MAX_STORE_BYTES, storeBytes } from './vector-store';
import type { GenerationInfo, ItemInput } from './types';

/** Limits on what a building generation accepts. */
export interface BuildLimits {
  /** Most caption vectors in one generation. */
  maxVectors: number;
  /** Longest caption, in characters. */
  maxCaptionChars: number;
  /** Longest item id, image id, path or hash, in characters. */
  maxIdChars: number;
}

/** A new generation id: sortable by creation time (13-digit ms), unique by a random suffix. */
export function newGenerationId(nowMs: number): string {
  return `g${String(Math.floor(nowMs)).padStart(13, '0')}-${randomBytes(3).toString('hex')}`;
}

/** Image-level fields (last write wins). */
interface ImageMeta {
  imagePath: string;
  contentHash: string;
}

/**
 * A generation being built. Items are keyed by id: a re-sent id overwrites its slot, so a resumed
 * indexing job never duplicates captions. Vectors go, normalized, into one growable Float32Array
 * that doubles when full (amortized O(1) appends); the commit compacts them into an exactly sized
 * store grouped by image (see Generation.fromBuilder), so the slack exists only while building.
 */
export class GenerationBuilder {
  /** 'committing' freezes the builder while its commit runs. */
  state: 'building' | 'committing' = 'building';
  lastActivityMs: number;
  private vectors: Float32Array;
  private capacity = 0;
  private readonly slotOf = new Map<string, number>();
  readonly ids: string[] = [];
  readonly imageIds: string[] = [];
  readonly captions: string[] = [];
  readonly generated: boolean[] = [];
  readonly images = new Map<string, ImageMeta>();
  private readonly imageRefs = new Map<string, number>();

  constructor(
    readonly id: string,
    readonly model: string,
    readonly dimensions: number,
    readonly dataset: string,
    readonly buildKey: string,
    readonly createdAtMs: number,
    private readonly limits: BuildLimits,
  ) {
    this.lastActivityMs = createdAtMs;
    this.vectors = new Float32Array(0);
  }

  get captionCount(): number {
    return this.ids.length;
  }

  get imageCount(): number {
    return this.imageRefs.size;
  }

  /** Bytes held by the growable vector buffer (including slack). */
  get vectorBytes(): number {
    return this.vectors.byteLength;
  }

  /** The normalized vector of slot i (a view). */
  vectorAt(slot: number): Float32Array {
    return this.vectors.subarray(slot * this.dimensions, (slot + 1) * this.dimensions);
  }

  info(): GenerationInfo {
    return {
      id: this.id,
      state: 'building',
      model: this.model,
      dimensions: this.dimensions,
      captionCount: this.captionCount,
      imageCount: this.imageCount,
      dataset: this.dataset,
      createdAtMs: this.createdAtMs,
      committedAtMs: 0,
      buildKey: this.buildKey,
    };
  }

  private checkText(value: string, limit: number, what: string, required: boolean): void {
    if (required && value.length === 0) throw new InvalidInputError(`${what} is required`);
    if (value.length > limit) throw new InvalidInputError(`${what} has ${value.length} characters, over the limit of ${limit}`);
  }

  /**
   * Validates every item of the batch, then applies them all (a bad item rejects the whole batch,
   * and earlier batches stay). Returns the number of items applied.
   */
  upsert(items: readonly ItemInput[], nowMs: number): number {
    const { maxIdChars, maxCaptionChars } = this.limits;
    const decoded: Float32Array[] = [];
    const fresh = new Set<string>();
    for (const [i, it] of items.entries()) {
      const what = `item ${i}${it.id ? ` (id "${it.id.slice(0, 64)}")` : ''}`;
      this.checkText(it.id, maxIdChars, `${what}: id`, true);
      this.checkText(it.imageId, maxIdChars, `${what}: image_id`, true);
      this.checkText(it.imagePath, maxIdChars, `${what}: image_path`, false);
      this.checkText(it.contentHash, maxIdChars, `${what}: content_hash`, false);
      this.checkText(it.caption, maxCaptionChars, `${what}: caption`, false);
      decoded.push(normalizeInPlace(decodeVector(it.vector, this.dimensions, `${what}: vector`), `${what}: vector`));
      if (!this.slotOf.has(it.id)) fresh.add(it.id);
    }
    const total = this.ids.length + fresh.size;
    if (total > this.limits.maxVectors) {
      throw new TooLargeError(
        `the generation would hold ${total} captions, over the limit of ${this.limits.maxVectors} (SEARCH_MAX_VECTORS)`,
      );
    }
    if (storeBytes(total, this.dimensions) > MAX_STORE_BYTES) {
      throw new TooLargeError(
        `the generation would hold ${total} × ${this.dimensions} float32, over the 4 GiB a store can hold`,
      );
    }
    this.reserve(total);
    for (const [i, it] of items.entries()) {
      let slot = this.slotOf.get(it.id);
      if (slot === undefined) {
        slot = this.ids.length;
        this.slotOf.set(it.id, slot);
        this.ids.push(it.id);
        this.imageIds.push(it.imageId);
        this.captions.push(it.caption);
        this.generated.push(it.generated);
        this.imageRefs.set(it.imageId, (this.imageRefs.get(it.imageId) ?? 0) + 1);
      } else {
        const old = this.imageIds[slot];
        if (old !== it.imageId) {
          const refs = this.imageRefs.get(old)! - 1;
          if (refs === 0) this.imageRefs.delete(old);
          else this.imageRefs.set(old, refs);
          this.imageRefs.set(it.imageId, (this.imageRefs.get(it.imageId) ?? 0) + 1);
          this.imageIds[slot] = it.imageId;
        }
        this.captions[slot] = it.caption;
        this.generated[slot] = it.generated;
      }
      this.vectors.set(decoded[i], slot * this.dimensions);
      this.images.set(it.imageId, { imagePath: it.imagePath, contentHash: it.contentHash.toLowerCase() });
    }
    this.lastActivityMs = nowMs;
    return items.length;
  }

  /** Grows the buffer by doubling until it holds `count` vectors. */
  private reserve(count: number): void {
    if (count <= this.capacity) return;
    let cap = Math.max(64, this.capacity);
    while (cap < count) cap *= 2;
    cap = Math.min(cap, Math.max(count, this.limits.maxVectors));
    const next = new Float32Array(cap * this.dimensions);
    next.set(this.vectors.subarray(0, this.ids.length * this.dimensions));
    this.vectors = next;
    this.capacity = cap;
  }
}
