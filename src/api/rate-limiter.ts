import { optionFailure, type OptionFailure } from '../util/option-error.js';
import { onAbort } from '../util/abortable.js';
import { realSleep } from '../util/timers.js';

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

/**
 * Ends a request's hold on its {@link RateLimiter} slot; calling it again does nothing. Pass `'unused'`
 * when no request was sent with the slot: it is freed without counting in the window. Default `'sent'`.
 */
export type ReleaseSlot = (use?: 'sent' | 'unused') => void;

/** A monotonic clock in milliseconds. */
export const monotonicNow = (): number => performance.now();

const fail: OptionFailure = optionFailure('RateLimiter');

function positive(name: string, value: number | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!ok) fail(name, `must be a positive ${integer ? 'integer' : 'number'}`, String(fallback));
  return value;
}

/** A caller of {@link RateLimiter.acquire} waiting in the queue. */
interface Waiter {
  grant: (release: ReleaseSlot) => void;
  fail: (error: unknown) => void;
}

/**
 * Keeps requests under `maxRequests` per rolling `interval`. Callers of {@link RateLimiter.acquire}
 * queue in order and are let through as slots free up: nothing is ever dropped or rejected, except a
 * caller whose abort signal fires, which leaves the queue without taking a slot.
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
  // Callers waiting for a slot, in arrival order.
  readonly #queue: Waiter[] = [];
  // True while #serve() is letting the queue through; a single server keeps the arrival order.
  #serving = false;
  // Wakes #serve() when every slot is in flight and one is released.
  #wake: (() => void) | undefined;

  constructor(options: RateLimiterOptions = {}) {
    this.maxRequests = positive('maxRequests', options.maxRequests, 30, true);
    this.interval = positive('interval', options.interval, 1000, false);
    this.#now = options.now ?? monotonicNow;
    this.#sleep = options.sleep ?? realSleep;
  }

  /**
   * Resolves when the caller may send one request, with the function to call once its answer has
   * arrived (or it failed). Always call it, e.g. in `finally`: an unreleased slot stays taken.
   *
   * When `signal` aborts before a slot was given, the caller leaves the queue (the others keep their
   * order) and the promise rejects with `signal.reason`; no slot is taken. Its abort listener is
   * removed once the promise settles.
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const unsubscribe =
        signal === undefined
          ? undefined
          : onAbort(signal, () => {
              const index = this.#queue.indexOf(waiter);
              if (index !== -1) this.#queue.splice(index, 1);
              reject(signal.reason as unknown);
            });
      const waiter: Waiter = {
        grant: (release) => {
          unsubscribe?.();
          resolve(release);
        },
        fail: (error) => {
          unsubscribe?.();
          reject(error);
        },
      };
      this.#queue.push(waiter);
      void this.#serve();
    });
  }

  /** How many requests could be sent right now without waiting. */
  get available(): number {
    this.#expire(this.#now());
    return this.maxRequests - this.#inFlight - this.#released.length;
  }

  #expire(now: number): void {
    while (this.#released.length > 0 && (this.#released[0] as number) <= now - this.interval) this.#released.shift();
  }

  #slot(): ReleaseSlot {
    this.#inFlight++;
    let released = false;
    return (use = 'sent') => {
      if (released) return;
      released = true;
      this.#inFlight--;
      if (use !== 'unused') this.#released.push(this.#now());
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    };
  }

  async #serve(): Promise<void> {
    if (this.#serving) return;
    this.#serving = true;
    try {
      // A slot is handed over in the same step as the check, so an abort can never come in between.
      while (this.#queue.length > 0) {
        const now = this.#now();
        this.#expire(now);
        if (this.#inFlight + this.#released.length < this.maxRequests) {
          (this.#queue.shift() as Waiter).grant(this.#slot());
          continue;
        }
        const oldest = this.#released[0];
        try {
          if (oldest !== undefined) await this.#sleep(oldest + this.interval - now);
          else await new Promise<void>((resolve) => (this.#wake = resolve));
        } catch (error) {
          // An injected sleep failed: fail the caller it was waiting for, as a failed wait would.
          this.#queue.shift()?.fail(error);
        }
      }
    } finally {
      this.#serving = false;
    }
  }
}
