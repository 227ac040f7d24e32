import { isRecord } from '../util/is-record.js';
import { optional, parseOptions, passThrough, positiveNumber } from '../util/options-schema.js';
import type { OptionRule } from '../util/options-schema.js';
import { AddressRateLimiter } from './address-rate-limit.js';
import type { RateLimitOptions } from './address-rate-limit.js';
import { MemoryRelayStore } from './memory-store.js';
import { isAppId } from './relay-keys.js';
import type { RelayStore } from './relay-store.js';

/** Default limit of `GET /token` per address: polls are cheap and a login long-polls once or twice. */
export const POLL_RATE_LIMIT = { burst: 30, perSecond: 5 } as const;
/**
 * Default limit of `/redirect` (GET and POST) per address: a login writes once (twice for the implicit
 * grant's page and post), so 20 at once and one more every 10 s covers a busy shared address, while
 * one address can hold at most `20 + 0.1 × ttl` keys (50 with the default 300 s TTL) per instance.
 */
export const WRITE_RATE_LIMIT = { burst: 20, perSecond: 0.1 } as const;

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
  /**
   * Rate limit of `GET /token` per client address (`req.ip`, so set Express's `trust proxy` behind a
   * proxy; IPv6 per /64), or `false` for none. Default `{ burst: 30, perSecond: 5 }`.
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * Rate limit of `GET /redirect` and `POST /redirect` (the writes) per client address, or `false` for
   * none. Beyond it: 429 with `Retry-After`, nothing stored. Default `{ burst: 20, perSecond: 0.1 }`:
   * one address can write at most `burst + perSecond × ttl` keys per TTL (50 by default) per instance.
   */
  writeRateLimit?: RateLimitOptions | false;
}

/** Options after validation, with defaults applied. */
export interface ResolvedRelayOptions {
  readonly store: RelayStore;
  /** True when the relay made the store and so closes it in `close()`. */
  readonly ownsStore: boolean;
  readonly ttlMs: number;
  readonly clientIds: ReadonlySet<string> | undefined;
  readonly maxWait: number;
  /** The per-address limiter of `GET /token`, absent when `rateLimit: false`. */
  readonly limiter: AddressRateLimiter | undefined;
  /** The per-address limiter of `/redirect`, absent when `writeRateLimit: false`. */
  readonly writeLimiter: AddressRateLimiter | undefined;
}

function isStore(value: unknown): value is RelayStore {
  return isRecord(value) && typeof value['setIfAbsent'] === 'function' && typeof value['take'] === 'function' && typeof value['subscribe'] === 'function';
}

const clientIdList: OptionRule<ReadonlySet<string>> = (value, fail) => {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isAppId)) {
    return fail('must be a non-empty array of app ids of [A-Za-z0-9_-]', "['1234']");
  }
  return new Set(value);
};

function limit(option: string, defaults: { burst: number; perSecond: number }): OptionRule<AddressRateLimiter | undefined> {
  return (value, fail) => {
    if (value === false) return undefined;
    if (value === undefined) return new AddressRateLimiter({}, defaults, `tokenRelay: options.${option}`);
    if (!isRecord(value)) return fail('must be an object or false', `{ burst: ${defaults.burst}, perSecond: ${defaults.perSecond} }`);
    return new AddressRateLimiter(value, defaults, `tokenRelay: options.${option}`);
  };
}

const SCHEMA = {
  store: optional(passThrough(isStore, 'must implement setIfAbsent, take and subscribe', 'new RedisRelayStore({ client })'), undefined),
  ttl: optional(positiveNumber('300', { max: 3600 }), 300),
  clientIds: optional(clientIdList, undefined),
  maxWait: optional(positiveNumber('30', { max: 60, integer: true, allowZero: true }), 30),
  rateLimit: limit('rateLimit', POLL_RATE_LIMIT),
  writeRateLimit: limit('writeRateLimit', WRITE_RATE_LIMIT),
};

/**
 * Validates {@link TokenRelayOptions} (unknown keys refused with the nearest known one) and applies the defaults.
 *
 * @throws TypeError naming the first invalid or unknown option, with a correct example.
 */
export function resolveRelayOptions(options: TokenRelayOptions = {}): ResolvedRelayOptions {
  const parsed = parseOptions('tokenRelay', options, SCHEMA, 'tokenRelay({ ttl: 300 })');
  return {
    store: parsed.store ?? new MemoryRelayStore(),
    ownsStore: parsed.store === undefined,
    ttlMs: Math.ceil(parsed.ttl * 1000),
    clientIds: parsed.clientIds,
    maxWait: parsed.maxWait,
    limiter: parsed.rateLimit,
    writeLimiter: parsed.writeRateLimit,
  };
}
