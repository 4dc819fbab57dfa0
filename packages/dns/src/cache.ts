/** A value held by the cache, with how long ago it was stored so callers can age record TTLs. */
export interface CacheHit<V> {
  value: V;
  ageSeconds: number;
}

export interface TtlCacheOptions {
  /** Entries kept at most; the oldest stored is dropped first. */
  maxEntries?: number;
  /** Milliseconds since some fixed point; injected so tests control time. */
  now?: () => number;
}

/** A bounded map whose entries expire after their own TTL. */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; storedAt: number; expiresAt: number }>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: TtlCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Stores a value for `ttlSeconds`; a TTL of 0 or less stores nothing. */
  set(key: K, value: V, ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) return;
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: now, expiresAt: now + ttlSeconds * 1000 });
    if (this.entries.size > this.maxEntries) this.evict(now);
  }

  /** The live entry for a key, or undefined once it has expired. */
  get(key: K): CacheHit<V> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.now();
    if (now >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: entry.value, ageSeconds: Math.floor((now - entry.storedAt) / 1000) };
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops expired entries, then the oldest ones, until the bound holds. */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) if (now >= entry.expiresAt) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
