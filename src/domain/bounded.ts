/**
 * A Set that remembers at most `limit` keys, forgetting the oldest first. For bookkeeping that must not
 * grow with the length of a run (trade ids seen, client ids used): what it guards against happens close
 * together in time.
 */
export class BoundedSet<K> {
  private readonly keys = new Set<K>();

  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new RangeError(`BoundedSet: limit must be positive (got ${limit})`);
  }

  has(key: K): boolean {
    return this.keys.has(key);
  }

  add(key: K): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    if (this.keys.size > this.limit) this.keys.delete(this.keys.values().next().value as K);
  }

  get size(): number {
    return this.keys.size;
  }
}

/** A Map that keeps at most `limit` entries, forgetting the oldest first. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new RangeError(`BoundedMap: limit must be positive (got ${limit})`);
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    if (!this.map.has(key) && this.map.size >= this.limit) this.map.delete(this.map.keys().next().value as K);
    this.map.set(key, value);
  }

  get size(): number {
    return this.map.size;
  }
}
