import { StackExchangeError } from '../errors/stackexchange-error.js';

/**
 * Where a relay keeps results between the redirect and the app's fetch. Implement it to add an adapter
 * (the package ships {@link MemoryRelayStore} and {@link RedisRelayStore}).
 *
 * Keys are opaque strings built by the relay (`appid:state`, URL-safe characters and one `:`); values
 * are opaque strings (the relay's JSON, each one unique). Every method must be safe against concurrent
 * callers, also across processes when the store is shared. A method that cannot reach its backend
 * rejects (any error; {@link RelayStoreError} preferred) and should do so quickly: the relay answers 503
 * then.
 *
 * A key is writable once per TTL: from its first write until `ttlMs` later it is in use, also after
 * {@link RelayStore.take} handed its value out. Implementers must keep a taken key used (a tombstone
 * with the key's expiry) until the TTL ends, and never hand the tombstone out; then the key is free.
 */
export interface RelayStore {
  /**
   * Stores `value` under `key` for `ttlMs` milliseconds unless the key is in use: it holds a value, or
   * its value was taken less than its TTL ago (first write wins, and a taken key stays used). Resolves
   * `true` when stored, `false` when refused.
   *
   * One write is allowed on a used key: `value` exactly equal to the value taken from it. The relay
   * uses it to put back a result whose client disconnected right after the take; the value is stored
   * again for the rest of the key's TTL (`ttlMs` is ignored). Keep a digest of the taken value, not the
   * value. No other writer can match it: the relay's values carry a random nonce that is never handed
   * out. A store that refuses this write too stays safe; that client then loses its result.
   *
   * On success it must wake every {@link RelayStore.subscribe} listener of `key`, in every process
   * sharing the store.
   */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * Atomically hands out the value of `key` and marks the key used for the rest of its TTL: of any
   * number of concurrent callers, at most one gets the value. Resolves `undefined` for unknown, used
   * and expired keys alike.
   */
  take(key: string): Promise<string | undefined>;
  /**
   * Calls `listener` whenever a value is stored under `key` (by any process sharing the store) until
   * the returned function is called. The promise resolves once the subscription is live: a value
   * stored after that is guaranteed to call the listener. The listener may also be called spuriously.
   */
  subscribe(key: string, listener: () => void): Promise<() => void>;
  /** Releases timers and connections the store opened itself. */
  close?(): Promise<void>;
}

/** Stable code of {@link RelayStoreError}. */
export const RELAY_STORE_UNAVAILABLE = 'RELAY_STORE_UNAVAILABLE';

/**
 * A relay store could not be reached or did not answer in time. `status` is 503, so Express's error
 * handler answers sensibly if it ever reaches `next()`.
 */
export class RelayStoreError extends StackExchangeError {
  /** The HTTP status to answer with: 503. */
  readonly status = 503;
  /** Alias of `status`, read by Express's and Connect's error handlers. */
  readonly statusCode = 503;

  constructor(message: string, cause?: unknown) {
    super(message, { code: RELAY_STORE_UNAVAILABLE, cause });
  }
}

/** True when `value` is a {@link RelayStoreError}. */
export function isRelayStoreError(value: unknown): value is RelayStoreError {
  return value instanceof RelayStoreError;
}
