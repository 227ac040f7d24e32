/** Options of {@link PollRateLimiter}. */
export interface PollRateLimitOptions {
  /** Requests a client may make at once before it is slowed down. Default 30. */
  burst?: number;
  /** Requests per second a client regains. Default 5. */
  perSecond?: number;
  /** Client addresses tracked at once; beyond it the least recently seen is forgotten. Default 10,000. */
  maxClients?: number;
  /** The clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** The verdict for one request: allowed, or refused with the seconds to wait. */
export type PollVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfter: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per client address for `GET /token`: each client holds up to `burst` requests,
 * regaining `perSecond`. Bounded: only the `maxClients` most recently seen addresses are tracked.
 *
 * @throws TypeError when an option is not a positive number.
 */
export class PollRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;

  constructor(options: PollRateLimitOptions = {}) {
    this.#burst = positive(options.burst, 30, 'burst', '30');
    this.#perMs = positive(options.perSecond, 5, 'perSecond', '5') / 1000;
    this.#maxClients = positive(options.maxClients, 10_000, 'maxClients', '10000');
    this.#now = options.now ?? Date.now;
  }

  /** Takes one request from `client`'s bucket. */
  take(client: string): PollVerdict {
    const now = this.#now();
    const bucket = this.#buckets.get(client) ?? { tokens: this.#burst, updatedAt: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updatedAt) * this.#perMs);
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

function positive(value: number | undefined, fallback: number, name: string, example: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`tokenRelay: options.rateLimit.${name} must be a positive number (e.g. rateLimit: { ${name}: ${example} })`);
  }
  return value;
}
