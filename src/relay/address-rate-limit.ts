import { isIPv6 } from 'node:net';
import { func, optional, parseOptions, positiveNumber } from '../util/options-schema.js';

/** Options of one of the relay's rate limits (`rateLimit` for `GET /token`, `writeRateLimit` for `/redirect`). */
export interface RateLimitOptions {
  /** Requests an address may make at once before it is slowed down. */
  burst?: number;
  /** Requests per second an address regains. */
  perSecond?: number;
  /** Addresses tracked at once; beyond it the least recently seen is forgotten. Default 10,000. */
  maxClients?: number;
  /** The clock in milliseconds. Default `Date.now`; tests pass a fake one. */
  now?: () => number;
}

/** @deprecated Renamed {@link RateLimitOptions}: the same limiter now guards the relay's writes too. */
export type PollRateLimitOptions = RateLimitOptions;

/** The verdict for one request: allowed, or refused with the whole seconds to wait. */
export type RateVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfter: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per client address: each address holds up to `burst` requests and regains `perSecond`.
 * IPv6 addresses count per /64 (what one host or household is given), so rotating through its own
 * prefix does not buy a client fresh buckets. Bounded: only the `maxClients` most recently seen
 * addresses are tracked.
 *
 * In-process on purpose: it costs no round trip, works with any relay store, and what it bounds
 * (writes per address per TTL) is what keeps a store small. With several instances each keeps its own
 * buckets, so an address gets at most `instances ×` the limit (documented in docs/relay.md).
 *
 * @throws TypeError naming `option` and the bad or unknown key.
 */
export class AddressRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;

  /**
   * @param option the option these settings came from, named in errors (e.g. `'tokenRelay: options.rateLimit'`).
   * @param defaults `burst` and `perSecond` when the options leave them out.
   */
  constructor(options: RateLimitOptions, defaults: { burst: number; perSecond: number }, option = 'tokenRelay: options.rateLimit') {
    // Inside a relay option: a bad value is named by its whole path (`tokenRelay: options.rateLimit.burst`).
    const o = parseOptions(
      option,
      options,
      {
        burst: optional(positiveNumber(String(defaults.burst)), defaults.burst),
        perSecond: optional(positiveNumber(String(defaults.perSecond)), defaults.perSecond),
        maxClients: optional(positiveNumber('10000'), 10_000),
        now: optional(func<() => number>('() => Date.now()'), Date.now),
      },
      `{ burst: ${defaults.burst}, perSecond: ${defaults.perSecond} }`,
      option,
    );
    this.#burst = o.burst;
    this.#perMs = o.perSecond / 1000;
    this.#maxClients = o.maxClients;
    this.#now = o.now;
  }

  /** Takes one request from the bucket of `address` (a `req.ip`). */
  take(address: string): RateVerdict {
    const client = clientOf(address);
    const now = this.#now();
    const bucket = this.#buckets.get(client) ?? { tokens: this.#burst, updatedAt: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, now - bucket.updatedAt) * this.#perMs);
    bucket.updatedAt = now;
    // Re-insert so that Map order is least recently seen first.
    this.#buckets.delete(client);
    this.#buckets.set(client, bucket);
    if (this.#buckets.size > this.#maxClients) {
      const oldest = this.#buckets.keys().next();
      if (oldest.done !== true) this.#buckets.delete(oldest.value);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)) };
  }
}

/** The bucket an address counts toward: IPv4 (also IPv4-mapped IPv6) as is, IPv6 by its /64 prefix. */
export function clientOf(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '').toLowerCase()).join(':')}::/64`;
}
