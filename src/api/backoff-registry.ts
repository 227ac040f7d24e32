import { abortable } from '../util/abortable.js';
import { realSleep } from '../util/timers.js';
import { monotonicNow } from './rate-limiter.js';

/** Options of {@link BackoffRegistry}. */
export interface BackoffRegistryOptions {
  /** Milliseconds in one second of `backoff` (tests shrink it). Default 1000. */
  secondMs?: number;
  /** Clock in milliseconds. Default `performance.now` (monotonic: a wall-clock step cannot stretch a wait). */
  now?: () => number;
  /**
   * Waits the given milliseconds. Default `setTimeout`. It is passed the caller's abort signal, if any,
   * to stop early; the wait ends on abort whether it does or not.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Remembers Stack Exchange's `backoff` per method family (`/users/{ids}`, with `/me` counted as it) and
 * holds later calls of that family until it has passed. Calls wait; they never fail because of it.
 *
 * One registry per process and API root is shared by every {@link StackExchangeClient} by default, so a
 * `backoff` seen by one request's client holds back the next request's client too.
 *
 * @throws TypeError when `secondMs` is not a positive number.
 */
export class BackoffRegistry {
  readonly #secondMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #until = new Map<string, number>();

  constructor(options: BackoffRegistryOptions = {}) {
    const { secondMs = 1000 } = options;
    if (typeof secondMs !== 'number' || !Number.isFinite(secondMs) || secondMs <= 0) {
      throw new TypeError('BackoffRegistry: options.secondMs must be a positive number (e.g. secondMs: 1000)');
    }
    this.#secondMs = secondMs;
    this.#now = options.now ?? monotonicNow;
    this.#sleep = options.sleep ?? realSleep;
  }

  /**
   * Records a `backoff` of `seconds` for `family`, counted from now. A shorter backoff never shortens
   * one already running. Non-positive or non-finite values are ignored.
   */
  set(family: string, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds <= 0) return;
    const until = this.#now() + seconds * this.#secondMs;
    if (until > (this.#until.get(family) ?? 0)) this.#until.set(family, until);
  }

  /** Milliseconds until `family` may be called again; 0 when it may be called now. */
  remaining(family: string): number {
    const until = this.#until.get(family);
    if (until === undefined) return 0;
    const left = until - this.#now();
    if (left > 0) return left;
    this.#until.delete(family);
    return 0;
  }

  /**
   * Resolves once no backoff is running for `family` (at once when none is). Rejects with
   * `signal.reason` when `signal` has aborted or aborts meanwhile.
   */
  async wait(family: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    for (let left = this.remaining(family); left > 0; left = this.remaining(family)) await abortable(this.#sleep(left, signal), signal);
  }
}
