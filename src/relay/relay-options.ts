import { MemoryRelayStore } from './memory-store.js';
import { PollRateLimiter } from './poll-rate-limit.js';
import type { PollRateLimitOptions } from './poll-rate-limit.js';
import { isAppId } from './relay-keys.js';
import type { RelayStore } from './relay-store.js';

/** Options of {@link tokenRelay}. */
export interface TokenRelayOptions {
  /** Where results wait for the app. Default: a new {@link MemoryRelayStore} (one process only). */
  store?: RelayStore;
  /** Seconds a result is kept before it expires unfetched. Default 300; at most 3600. */
  ttl?: number;
  /**
   * Allowlist of app ids (your Stack Apps client ids). Stack Exchange's redirect carries no client id,
   * so the relay checks the `appid` parameter: when this is set, every redirect, post and fetch must
   * carry an `appid` from the list (desktop apps put it in their redirect_uri,
   * `https://relay.example/auth/redirect?appid=1234`), else 403 `app_not_allowed`. Default: any app id,
   * or none.
   */
  clientIds?: readonly string[];
  /** Longest long-poll in seconds a client may ask for with `wait`. Default 30; at most 60. */
  maxWait?: number;
  /** Rate limit of `GET /token` per client address (`req.ip`, so set Express's `trust proxy` behind a proxy), or `false` for none. Default `{ burst: 30, perSecond: 5 }`. */
  rateLimit?: PollRateLimitOptions | false;
}

/** Options after validation, with defaults applied. */
export interface ResolvedRelayOptions {
  readonly store: RelayStore;
  /** True when the relay made the store and so closes it in `close()`. */
  readonly ownsStore: boolean;
  readonly ttlMs: number;
  readonly clientIds: ReadonlySet<string> | undefined;
  readonly maxWait: number;
  /** The per-client limiter of `GET /token`, absent when `rateLimit: false`. */
  readonly limiter: PollRateLimiter | undefined;
}

/**
 * Validates {@link TokenRelayOptions} and applies the defaults.
 *
 * @throws TypeError naming the first invalid option, with a correct example.
 */
export function resolveRelayOptions(options: TokenRelayOptions = {}): ResolvedRelayOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('tokenRelay: options must be an object (e.g. tokenRelay({ ttl: 300 }))');
  }
  const { store, ttl = 300, clientIds, maxWait = 30, rateLimit = {} } = options;
  if (store !== undefined && !isStore(store)) {
    throw new TypeError('tokenRelay: options.store must implement setIfAbsent, take and subscribe (e.g. store: new RedisRelayStore({ client }))');
  }
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0 || ttl > 3600) {
    throw new TypeError('tokenRelay: options.ttl must be a number of seconds in (0, 3600] (e.g. ttl: 300)');
  }
  if (clientIds !== undefined && (!Array.isArray(clientIds) || clientIds.length === 0 || !clientIds.every(isAppId))) {
    throw new TypeError("tokenRelay: options.clientIds must be a non-empty array of app ids of [A-Za-z0-9_-] (e.g. clientIds: ['1234'])");
  }
  if (!Number.isSafeInteger(maxWait) || maxWait < 0 || maxWait > 60) {
    throw new TypeError('tokenRelay: options.maxWait must be an integer of seconds from 0 to 60 (e.g. maxWait: 30)');
  }
  if (rateLimit !== false && (typeof rateLimit !== 'object' || rateLimit === null)) {
    throw new TypeError('tokenRelay: options.rateLimit must be an object or false (e.g. rateLimit: { burst: 30, perSecond: 5 })');
  }
  const limiter = rateLimit === false ? undefined : new PollRateLimiter(rateLimit);
  return {
    store: store ?? new MemoryRelayStore(),
    ownsStore: store === undefined,
    ttlMs: Math.ceil(ttl * 1000),
    clientIds: clientIds === undefined ? undefined : new Set(clientIds),
    maxWait,
    limiter,
  };
}

function isStore(value: unknown): value is RelayStore {
  if (typeof value !== 'object' || value === null) return false;
  const store = value as Record<string, unknown>;
  return typeof store['setIfAbsent'] === 'function' && typeof store['take'] === 'function' && typeof store['subscribe'] === 'function';
}
