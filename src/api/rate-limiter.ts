/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Most requests within one rolling `interval`. Default 30 (Stack Exchange's per-IP limit). */
  maxRequests?: number;
  /** Length of the rolling window in milliseconds. Default 1000. */
  interval?: number;
  /**
   * Clock in milliseconds (tests inject a fake one). Default `performance.now`: monotonic, so that
   * setting the wall clock back cannot hold requests for as long as the step.
   */
  now?: () => number;
  /** Waits the given milliseconds (tests inject a fake one that advances their clock). Default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
}

/** Ends a request's hold on its {@link RateLimiter} slot; calling it again does nothing. */
export type ReleaseSlot = () => void;

// Node fires a longer timer after 1 ms: callers that loop until a deadline would spin.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A monotonic clock in milliseconds. */
export const monotonicNow = (): number => performance.now();

/**
 * Waits `ms` milliseconds on a timer, at most about 24.8 days (the longest timer Node keeps); callers
 * that need longer check their deadline and wait again.
 */
export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(ms, 0), MAX_TIMER_MS)));

function positive(name: string, value: number | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!ok) throw new TypeError(`RateLimiter: options.${name} must be a positive ${integer ? 'integer' : 'number'} (e.g. ${name}: ${fallback})`);
  return value;
}

/**
 * Keeps requests under `maxRequests` per rolling `interval`. Callers of {@link RateLimiter.acquire}
 * queue in order and are let through as slots free up: nothing is ever dropped or rejected.
 *
 * A slot is held while its request is in flight and for `interval` after it was released (when the
 * answer arrived). The server sees a request somewhere between sending and answering, so counting
 * the window from the answer keeps any `interval` at the server under the limit however late requests
 * arrive, instead of hoping that network and event-loop delays stay small.
 *
 * One limiter per process and API root is shared by every {@link StackExchangeClient} by default
 * (Stack Exchange counts requests per IP); pass your own through the client's `rateLimiter` option to
 * change the limit or to isolate a client.
 *
 * @throws TypeError when an option is not a positive number.
 */
export class RateLimiter {
  /** Most requests within one rolling `interval`. */
  readonly maxRequests: number;
  /** Length of the rolling window in milliseconds. */
  readonly interval: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #inFlight = 0;
  // Release times still inside the window, oldest first.
  readonly #released: number[] = [];
  // Wakes the caller at the head of the queue when every slot is in flight and one is released.
  #wake: (() => void) | undefined;
  // Serialises acquire() so that callers are let through in arrival order.
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: RateLimiterOptions = {}) {
    this.maxRequests = positive('maxRequests', options.maxRequests, 30, true);
    this.interval = positive('interval', options.interval, 1000, false);
    this.#now = options.now ?? monotonicNow;
    this.#sleep = options.sleep ?? realSleep;
  }

  /**
   * Resolves when the caller may send one request, with the function to call once its answer has
   * arrived (or it failed). Always call it, e.g. in `finally`: an unreleased slot stays taken.
   */
  acquire(): Promise<ReleaseSlot> {
    const turn = this.#tail.then(() => this.#take());
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  /** How many requests could be sent right now without waiting. */
  get available(): number {
    this.#expire(this.#now());
    return this.maxRequests - this.#inFlight - this.#released.length;
  }

  #expire(now: number): void {
    while (this.#released.length > 0 && (this.#released[0] as number) <= now - this.interval) this.#released.shift();
  }

  #release(): void {
    this.#inFlight--;
    this.#released.push(this.#now());
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #take(): Promise<ReleaseSlot> {
    for (;;) {
      const now = this.#now();
      this.#expire(now);
      if (this.#inFlight + this.#released.length < this.maxRequests) {
        this.#inFlight++;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          this.#release();
        };
      }
      const oldest = this.#released[0];
      if (oldest !== undefined) await this.#sleep(oldest + this.interval - now);
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
