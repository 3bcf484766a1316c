/**
 * A least-recently-used map bounded by the total size of its values (bytes), using Map insertion
 * order as the recency list. `onEvict` lets a caller release what an entry stands for (a file).
 */
export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private used = 0;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (v: V) => number,
    private readonly onEvict?: (key: string, value: V) => void,
  ) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Inserts or replaces; a value larger than the whole cache is not kept. */
  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    this.delete(key);
    if (size > this.maxBytes) {
      this.onEvict?.(key, value);
      return;
    }
    this.entries.set(key, { value, size });
    this.used += size;
    while (this.used > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      const e = this.entries.get(oldest.value)!;
      this.entries.delete(oldest.value);
      this.used -= e.size;
      this.onEvict?.(oldest.value, e.value);
    }
  }

  delete(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    this.entries.delete(key);
    this.used -= e.size;
    return true;
  }
}
