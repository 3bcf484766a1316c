/**
 * JPEG thumbnails of dataset images, cached in two LRU tiers: memory (THUMBNAIL_CACHE_BYTES) and,
 * when THUMBNAIL_CACHE_DIR is set, disk (THUMBNAIL_DISK_CACHE_BYTES; files are evicted, so the
 * folder stays bounded). Keys are content-addressed, so a re-indexed image never shows a stale
 * thumbnail. Concurrent requests for the same thumbnail share one resize.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { LruCache } from './lru-cache';

/** Thumbnail sizes accepted by `?size=` (longest side, px). */
export const THUMBNAIL_MIN = 32;
export const THUMBNAIL_MAX = 1024;

/** Resizes so the longest side is `size` px (small images are enlarged), flattens alpha on white. */
export async function renderThumbnail(file: string, size: number): Promise<Buffer> {
  return sharp(file, { failOn: 'none' })
    .rotate()
    .resize(size, size, { fit: 'inside' })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 80 })
    .toBuffer();
}

export interface ThumbnailCacheOptions {
  memoryBytes: number;
  dir?: string;
  diskBytes?: number;
  render?: (file: string, size: number) => Promise<Buffer>;
}

export interface ThumbnailStats {
  memoryHits: number;
  diskHits: number;
  renders: number;
}

export class ThumbnailCache {
  private readonly memory: LruCache<Buffer>;
  private readonly disk?: LruCache<number>;
  private readonly inflight = new Map<string, Promise<Buffer>>();
  /** File deletions started by disk evictions, awaited by the write that caused them. */
  private readonly removals: Promise<void>[] = [];
  private readonly render: (file: string, size: number) => Promise<Buffer>;
  readonly stats: ThumbnailStats = { memoryHits: 0, diskHits: 0, renders: 0 };

  private constructor(private readonly opts: ThumbnailCacheOptions) {
    this.memory = new LruCache<Buffer>(opts.memoryBytes, (b) => b.length);
    this.render = opts.render ?? renderThumbnail;
    if (opts.dir) {
      const dir = opts.dir;
      this.disk = new LruCache<number>(
        opts.diskBytes ?? 0,
        (n) => n,
        (key) => {
          this.removals.push(fs.rm(path.join(dir, `${key}.jpg`), { force: true }).catch(() => undefined));
        },
      );
    }
  }

  /** Creates the cache; with a folder, indexes the files already there (oldest first). */
  static async create(opts: ThumbnailCacheOptions): Promise<ThumbnailCache> {
    const cache = new ThumbnailCache(opts);
    if (opts.dir && cache.disk) {
      await fs.mkdir(opts.dir, { recursive: true });
      const files = (await fs.readdir(opts.dir)).filter((f) => /^[0-9a-f]{64}\.jpg$/.test(f));
      const stats = await Promise.all(
        files.map(async (f) => ({ f, s: await fs.stat(path.join(opts.dir!, f)).catch(() => undefined) })),
      );
      stats.sort((a, b) => (a.s?.mtimeMs ?? 0) - (b.s?.mtimeMs ?? 0));
      for (const { f, s } of stats) if (s) cache.disk.set(f.slice(0, 64), s.size);
    }
    return cache;
  }

  /** The cache key of a file version and size. */
  static key(identity: string, size: number): string {
    return createHash('sha256').update(`${identity}\0${size}`).digest('hex');
  }

  /** The thumbnail of `file` at `size`, from a cache tier or rendered. `identity` names the content. */
  async get(identity: string, file: string, size: number): Promise<Buffer> {
    const key = ThumbnailCache.key(identity, size);
    const hit = this.memory.get(key);
    if (hit) {
      this.stats.memoryHits++;
      return hit;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.load(key, file, size).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async load(key: string, file: string, size: number): Promise<Buffer> {
    const dir = this.opts.dir;
    if (dir && this.disk?.has(key)) {
      const buf = await fs.readFile(path.join(dir, `${key}.jpg`)).catch(() => undefined);
      if (buf) {
        this.disk.get(key);
        this.stats.diskHits++;
        this.memory.set(key, buf);
        return buf;
      }
      this.disk.delete(key);
    }
    const buf = await this.render(file, size);
    this.stats.renders++;
    this.memory.set(key, buf);
    if (dir && this.disk && buf.length <= this.disk.maxBytes) {
      // Write-then-rename so a concurrent reader never sees half a file.
      const tmp = path.join(dir, `${key}.${process.pid}.tmp`);
      try {
        await fs.writeFile(tmp, buf);
        await fs.rename(tmp, path.join(dir, `${key}.jpg`));
        this.disk.set(key, buf.length);
        await Promise.all(this.removals.splice(0));
      } catch {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
      }
    }
    return buf;
  }
}
