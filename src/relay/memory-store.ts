import { createHash } from 'node:crypto';
import { func, optional, parseOptions, positiveNumber } from '../util/options-schema.js';
import { RelayStoreError } from './relay-store.js';
import type { RelayStore } from './relay-store.js';
import { KeyListeners } from './key-listeners.js';

/** Options of {@link MemoryRelayStore}. */
export interface MemoryRelayStoreOptions {
  /**
   * Most keys held at once (unread results and taken keys' markers). When full, after dropping expired
   * keys, a new write is refused (the relay answers 503) rather than evicting anything: an unread
   * result or a used key's marker always lives its whole TTL. Default 10,000.
   */
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

const SCHEMA = {
  maxEntries: optional(positiveNumber('10000', { integer: true }), 10_000),
  sweepInterval: optional(positiveNumber('60000', { integer: true, max: 2 ** 31 - 1 }), 60_000),
  now: optional(func<() => number>('() => Date.now()'), undefined),
};

/**
 * The default relay store: a bounded in-process map with a TTL. A taken key stays in the map as a
 * tombstone until its TTL ends (it counts toward `maxEntries` and is swept like a result), so it
 * cannot be written again before then. Nothing is ever evicted early: when `maxEntries` keys are live,
 * new writes are refused with a {@link RelayStoreError} (503) until some expire, so a flood can fill
 * the store for at most one TTL but can never make a login lose its result or reopen a used key.
 * Memory is bounded by `maxEntries` × (key + value), about 0.3 KB each (3 MB at the default 10,000). Fine for one process; with several
 * instances behind a load balancer the redirect and the app's fetch may reach different processes, so
 * use {@link RedisRelayStore} there.
 *
 * When `NODE_ENV` is `production` the first construction emits a process warning (once per process,
 * `process.emitWarning`, code {@link MEMORY_STORE_WARNING_CODE}).
 *
 * @throws TypeError when an option is invalid or unknown.
 */
export class MemoryRelayStore implements RelayStore {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new KeyListeners();
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  // The soonest expiry among the entries: a full store sweeps only once something can have expired,
  // so a flood against a full store costs one comparison per refused write, not a scan.
  #earliest = Infinity;

  constructor(options: MemoryRelayStoreOptions = {}) {
    const parsed = parseOptions('MemoryRelayStore', options, SCHEMA, 'new MemoryRelayStore({ maxEntries: 10000 })');
    this.#maxEntries = parsed.maxEntries;
    this.#now = parsed.now ?? Date.now;
    this.#timer = setInterval(() => this.sweep(), parsed.sweepInterval);
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
    if (this.#entries.size >= this.#maxEntries && this.#now() >= this.#earliest) this.sweep();
    // Refuse rather than evict: evicting an unread result loses a login, evicting a used key's marker
    // lets a planted result be written under a key its app already fetched.
    if (this.#entries.size >= this.#maxEntries) throw new RelayStoreError('The memory relay store is full');
    const expiresAt = this.#now() + ttlMs;
    this.#earliest = Math.min(this.#earliest, expiresAt);
    this.#entries.set(key, { value, expiresAt });
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
    let earliest = Infinity;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
      else earliest = Math.min(earliest, entry.expiresAt);
    }
    this.#earliest = earliest;
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
