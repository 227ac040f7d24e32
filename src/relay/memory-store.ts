import { createHash } from 'node:crypto';
import type { RelayStore } from './relay-store.js';
import { KeyListeners } from './key-listeners.js';

/** Options of {@link MemoryRelayStore}. */
export interface MemoryRelayStoreOptions {
  /** Most results held at once; storing one more evicts the oldest. Default 10,000. */
  maxEntries?: number;
  /** Milliseconds between sweeps of expired results (the timer never keeps the process alive). Default 60,000. */
  sweepInterval?: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now`; tests pass a fake one. */
  now?: () => number;
}

/** A key's state: its result, or once taken a tombstone with the SHA-256 of the value taken. */
type Entry = { readonly value: string; readonly expiresAt: number } | { readonly takenDigest: string; readonly expiresAt: number };

/** Code of the process warning emitted when the memory store is used with `NODE_ENV=production`. */
export const MEMORY_STORE_WARNING_CODE = 'PASSPORT_STACKEXCHANGE_RELAY_MEMORY_STORE';

let warned = false;

/**
 * The default relay store: a bounded in-process map with a TTL. A taken key stays in the map as a
 * tombstone until its TTL ends (it counts toward `maxEntries` and is swept like a result), so it
 * cannot be written again before then. Fine for one process; with several
 * instances behind a load balancer the redirect and the app's fetch may reach different processes, so
 * use {@link RedisRelayStore} there.
 *
 * When `NODE_ENV` is `production` the first construction emits a process warning (once per process,
 * `process.emitWarning`, code {@link MEMORY_STORE_WARNING_CODE}).
 *
 * @throws TypeError when an option is not a positive integer.
 */
export class MemoryRelayStore implements RelayStore {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new KeyListeners();
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;

  constructor(options: MemoryRelayStoreOptions = {}) {
    this.#maxEntries = positiveInteger(options.maxEntries, 10_000, 'maxEntries', '10000');
    const sweepInterval = positiveInteger(options.sweepInterval, 60_000, 'sweepInterval', '60000');
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new TypeError('MemoryRelayStore: options.now must be a function (e.g. now: () => Date.now())');
    }
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.sweep(), sweepInterval);
    this.#timer.unref();
    if (process.env['NODE_ENV'] === 'production' && !warned) {
      warned = true;
      process.emitWarning(
        'MemoryRelayStore keeps relay results in this process only; with several instances use RedisRelayStore.',
        { code: MEMORY_STORE_WARNING_CODE },
      );
    }
  }

  /** Number of keys held (results and taken keys' tombstones), counting expired ones until the next sweep. */
  get size(): number {
    return this.#entries.size;
  }

  /** {@inheritDoc RelayStore.setIfAbsent} */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const existing = this.#entries.get(key);
    if (existing && existing.expiresAt > this.#now()) {
      if ('value' in existing || existing.takenDigest !== digest(value)) return false;
      // The relay putting back the value it took: stored again for the rest of the key's TTL.
      this.#entries.set(key, { value, expiresAt: existing.expiresAt });
      this.#listeners.notify(key);
      return true;
    }
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.sweep();
    // Evict the oldest rather than refuse: a flood then has to outpace a login's few seconds.
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    this.#listeners.notify(key);
    return true;
  }

  /** {@inheritDoc RelayStore.take} */
  async take(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    if (!('value' in entry)) return undefined;
    this.#entries.set(key, { takenDigest: digest(entry.value), expiresAt: entry.expiresAt });
    return entry.value;
  }

  /** {@inheritDoc RelayStore.subscribe} */
  async subscribe(key: string, listener: () => void): Promise<() => void> {
    return this.#listeners.add(key, listener);
  }

  /** Drops expired results and tombstones now (also runs on a timer every `sweepInterval`). */
  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }

  /** Stops the sweep timer and drops every result. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#entries.clear();
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

function positiveInteger(value: number | undefined, fallback: number, name: string, example: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`MemoryRelayStore: options.${name} must be a positive integer (e.g. ${name}: ${example})`);
  }
  return value;
}
