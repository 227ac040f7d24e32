import { ApiErrorCode, StackExchangeApiError } from '../errors/api-error.js';
import { StackExchangeNetworkError } from '../errors/network-error.js';
import { abortable } from '../util/abortable.js';
import { realSleep } from '../util/timers.js';

/** How failed GET requests are retried. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. 0 disables retrying. */
  retries?: number;
  /** Delay before the first retry in milliseconds, doubled for each further retry. Default 500. */
  minDelay?: number;
  /** Upper bound of one delay in milliseconds. Default 8000. */
  maxDelay?: number;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
  /**
   * Waits the given milliseconds. Default `setTimeout`. It is passed the call's abort signal, if any,
   * to stop early; the wait ends on abort whether it does or not.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** {@link RetryOptions} with every default applied. */
export type ResolvedRetryOptions = Required<RetryOptions>;

/**
 * Applies the defaults of {@link RetryOptions} and validates them.
 *
 * @throws TypeError naming the option when `retries` is not a non-negative integer or a delay is not a
 * non-negative number.
 */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const { retries = 3, minDelay = 500, maxDelay = 8000, random = Math.random, sleep = realSleep } = options;
  if (!Number.isInteger(retries) || retries < 0) throw new TypeError('StackExchangeClient: options.retry.retries must be a non-negative integer (e.g. retries: 3)');
  for (const [name, value] of [['minDelay', minDelay], ['maxDelay', maxDelay]] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`StackExchangeClient: options.retry.${name} must be a non-negative number of milliseconds (e.g. ${name}: 500)`);
    }
  }
  if (typeof random !== 'function' || typeof sleep !== 'function') throw new TypeError('StackExchangeClient: options.retry.random and options.retry.sleep must be functions');
  return { retries, minDelay, maxDelay, random, sleep };
}

/**
 * The delay before retry number `retry` (0-based): exponential (`minDelay * 2^retry`, at most
 * `maxDelay`) with jitter that keeps between half and all of it, so that clients that failed together
 * do not retry together.
 */
export function retryDelay(retry: number, options: Pick<ResolvedRetryOptions, 'minDelay' | 'maxDelay' | 'random'>): number {
  const ceiling = Math.min(options.maxDelay, options.minDelay * 2 ** retry);
  return ceiling / 2 + (ceiling / 2) * options.random();
}

/**
 * True for failures worth repeating a read for: no answer or an unreadable one (network errors and
 * timeouts), `internal_error` (500) and `temporarily_unavailable` (503). Never `throttle_violation`
 * (502): repeating it would prolong the ban; never the client's own refusals (`API_THROTTLED`,
 * `QUOTA_EXHAUSTED`), an answer over `maxResponseBytes`, the call's deadline or unreachable limits.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof StackExchangeNetworkError) return error.code === 'NETWORK_FAILED' || error.code === 'NETWORK_TIMEOUT';
  return error instanceof StackExchangeApiError && error.code === ApiErrorCode.Api && (error.errorId === 500 || error.errorId === 503);
}

/**
 * Runs `attempt` and repeats it after a growing, jittered delay while it fails with an error that
 * {@link isRetryable} accepts, at most `retries` more times. Only for reads: writes are never retried.
 * Rethrows the last error. Once `signal` has aborted nothing is repeated: a failure that would be
 * retried, and the delay before a retry, reject with `signal.reason` instead.
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: ResolvedRetryOptions, signal?: AbortSignal): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (retry >= options.retries || !isRetryable(error)) throw error;
      signal?.throwIfAborted();
      await abortable(options.sleep(retryDelay(retry, options), signal), signal);
    }
  }
}
