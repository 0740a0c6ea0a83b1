/**
 * Bounded LRU with per-entry TTL and an injectable clock. Used for plain DEKs:
 * at most `maxEntries` keys, each dropped `ttlMs` after it was loaded.
 *
 *   new TtlLru<V>({ maxEntries, ttlMs, now? })
 *   get(k): V | undefined   set(k, v)   delete(k)   deleteWhere(pred)   size   clear()
 */
export interface TtlLruOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  /** Milliseconds clock. @default Date.now */
  readonly now?: () => number;
  /** Called when an entry leaves the cache (expiry, eviction, delete): wipe secrets here. */
  readonly onEvict?: (value: unknown) => void;
}

export class TtlLru<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: TtlLruOptions) {
    if (!(opts.maxEntries >= 1)) throw new RangeError('maxEntries must be >= 1');
    if (!(opts.ttlMs > 0)) throw new RangeError('ttlMs must be > 0');
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.drop(key);
      return undefined;
    }
    // refresh recency (Map keeps insertion order)
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    if (this.map.has(key)) this.drop(key);
    this.map.set(key, { value, expiresAt: this.now() + this.opts.ttlMs });
    while (this.map.size > this.opts.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.drop(oldest);
    }
  }

  delete(key: string): void {
    this.drop(key);
  }

  deleteWhere(pred: (key: string) => boolean): void {
    for (const k of [...this.map.keys()]) if (pred(k)) this.drop(k);
  }

  clear(): void {
    for (const k of [...this.map.keys()]) this.drop(k);
  }

  private drop(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.opts.onEvict?.(e.value);
  }
}
