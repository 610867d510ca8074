import { type Clock, systemClock } from "./clock.ts";

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export interface ExpiringMap<V> {
  get(key: string): V | undefined;
  /** ms until `key` expires, or undefined when absent */
  ttl(key: string): number | undefined;
  set(key: string, value: V, ttlMs: number): void;
  delete(key: string): void;
  readonly size: number;
}

/**
 * A Map whose entries expire. Expired entries are dropped on read and swept now and then, and
 * the oldest entries are evicted past `maxEntries`, so a long-running hub cannot grow it without
 * bound (keys can come from outside: rate-limit keys per client, dedupe keys per message).
 */
export function createExpiringMap<V>(opts: { maxEntries?: number; clock?: Clock } = {}): ExpiringMap<V> {
  const maxEntries = opts.maxEntries ?? 100_000;
  const now = opts.clock ?? systemClock;
  const map = new Map<string, Entry<V>>();
  let writes = 0;

  const live = (key: string): Entry<V> | undefined => {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now()) {
      map.delete(key);
      return undefined;
    }
    return e;
  };

  const sweep = () => {
    const t = now();
    for (const [k, e] of map) if (e.expiresAt <= t) map.delete(k);
    // Map iterates in insertion order: the first keys are the oldest writes.
    for (const k of map.keys()) {
      if (map.size <= maxEntries) break;
      map.delete(k);
    }
  };

  return {
    get: (key) => live(key)?.value,
    ttl(key) {
      const e = live(key);
      return e ? e.expiresAt - now() : undefined;
    },
    set(key, value, ttlMs) {
      // Delete first so a rewrite moves the key to the young end of the eviction order.
      map.delete(key);
      map.set(key, { value, expiresAt: now() + Math.max(1, ttlMs) });
      if (++writes % 1_000 === 0 || map.size > maxEntries) sweep();
    },
    delete(key) {
      map.delete(key);
    },
    get size() {
      return map.size;
    },
  };
}
