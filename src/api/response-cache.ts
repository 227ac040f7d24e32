import { LRUCache } from 'lru-cache';
import { optional, parseOptions, positiveNumber } from '../util/options-schema.js';

/**
 * Where answers of identical reads are kept for `cacheTTL`, so that Stack Exchange never sees the same
 * request twice within a minute (its throttle rule). Keys are hashes: no key or token in clear. An
 * entry may belong to a group (the hash of the token it was read with), dropped as a whole when a write
 * is made with that token.
 */
export interface ResponseCache {
  /** The stored answer (the API's wrapper as JSON), or `undefined`. */
  get(key: string): Promise<string | undefined>;
  /** Stores an answer for `ttlMs` milliseconds, in `group` when given. */
  set(key: string, value: string, ttlMs: number, group: string | undefined): Promise<void>;
  /** Drops every answer of `group`. */
  dropGroup(group: string): Promise<void>;
}

/** Options of {@link MemoryResponseCache}. */
export interface MemoryResponseCacheOptions {
  /** Most answers kept (least recently used dropped first). Default 5000. */
  maxEntries?: number;
  /** Most characters of answers kept in all. Default 64 MiB worth (67108864). */
  maxSize?: number;
}

/**
 * A bounded {@link ResponseCache} in memory (lru-cache): the default of every client, shared by the
 * process per API root (see {@link sharedResponseCache}), so that the strategy's `/me` at login answers
 * the router's first `req.stackexchange.get('/me')`. Several processes share answers with
 * {@link RedisResponseCache}.
 *
 * @throws TypeError when an option is malformed or unknown.
 */
export class MemoryResponseCache implements ResponseCache {
  readonly #entries: LRUCache<string, { value: string; group: string | undefined }>;
  readonly #groups = new Map<string, Set<string>>();

  constructor(options: MemoryResponseCacheOptions = {}) {
    const o = parseOptions('MemoryResponseCache', options, {
      maxEntries: optional(positiveNumber('5000', { integer: true }), 5000),
      maxSize: optional(positiveNumber('67108864', { integer: true }), 64 * 1024 * 1024),
    }, '{ maxEntries: 5000 }');
    this.#entries = new LRUCache({
      max: o.maxEntries,
      maxSize: o.maxSize,
      sizeCalculation: (entry) => Math.max(1, entry.value.length),
      dispose: (entry, key) => {
        if (entry.group === undefined) return;
        const keys = this.#groups.get(entry.group);
        keys?.delete(key);
        if (keys?.size === 0) this.#groups.delete(entry.group);
      },
    });
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.#entries.get(key)?.value);
  }

  set(key: string, value: string, ttlMs: number, group: string | undefined): Promise<void> {
    this.#entries.set(key, { value, group }, { ttl: ttlMs });
    if (group !== undefined && this.#entries.has(key)) {
      let keys = this.#groups.get(group);
      if (keys === undefined) this.#groups.set(group, (keys = new Set()));
      keys.add(key);
    }
    return Promise.resolve();
  }

  dropGroup(group: string): Promise<void> {
    for (const key of [...(this.#groups.get(group) ?? [])]) this.#entries.delete(key);
    this.#groups.delete(group);
    return Promise.resolve();
  }
}

const shared = new Map<string, MemoryResponseCache>();

/** The process-wide {@link MemoryResponseCache} for an API root, created on first use: the default `cache` of every client. */
export function sharedResponseCache(apiURL: string): MemoryResponseCache {
  let cache = shared.get(apiURL);
  if (cache === undefined) shared.set(apiURL, (cache = new MemoryResponseCache()));
  return cache;
}

/** True when `value` has the methods of {@link ResponseCache}. */
export function isResponseCache(value: unknown): value is ResponseCache {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.get === 'function' && typeof v.set === 'function' && typeof v.dropGroup === 'function';
}
