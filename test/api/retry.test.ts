import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StackExchangeApiError } from '../../src/errors/api-error.js';
import { NetworkErrorCode, StackExchangeNetworkError } from '../../src/errors/network-error.js';
import { isRetryable, resolveRetryOptions, retryDelay, withRetry } from '../../src/api/retry.js';
import { fakeClock } from './fake-clock.js';

const apiError = (errorId: number, errorName: string) => new StackExchangeApiError('failed', { errorId, errorName, method: '/me' });
const networkError = () => new StackExchangeNetworkError('failed', { code: NetworkErrorCode.Failed, method: '/me' });

describe('isRetryable', () => {
  it('retries network errors, internal_error and temporarily_unavailable only', () => {
    expect(isRetryable(networkError())).toBe(true);
    expect(isRetryable(new StackExchangeNetworkError('t', { code: NetworkErrorCode.Timeout, method: '/me' }))).toBe(true);
    expect(isRetryable(apiError(500, 'internal_error'))).toBe(true);
    expect(isRetryable(apiError(503, 'temporarily_unavailable'))).toBe(true);
    for (const id of [400, 401, 402, 403, 404, 405, 406, 407, 409, 502]) expect(isRetryable(apiError(id, 'x')), String(id)).toBe(false);
    expect(isRetryable(new TypeError('bug'))).toBe(false);
  });
});

describe('retryDelay', () => {
  it('doubles from minDelay up to maxDelay, keeping half to all of it as jitter', () => {
    const base = { minDelay: 100, maxDelay: 1000 };
    expect([0, 1, 2, 3, 4].map((n) => retryDelay(n, { ...base, random: () => 0.999999 }))).toEqual([
      expect.closeTo(100, 3),
      expect.closeTo(200, 3),
      expect.closeTo(400, 3),
      expect.closeTo(800, 3),
      expect.closeTo(1000, 3),
    ]);
    expect(retryDelay(2, { ...base, random: () => 0 })).toBe(200);
  });
});

describe('withRetry', () => {
  it('repeats a retryable failure until it succeeds, with growing delays', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await withRetry(async () => {
      calls++;
      if (calls < 3) throw apiError(503, 'temporarily_unavailable');
      return 'ok';
    }, resolveRetryOptions({ minDelay: 100, random: () => 0.5, sleep: clock.sleep }));
    expect([result, calls]).toEqual(['ok', 3]);
    expect(clock.sleeps).toEqual([75, 150]);
  });

  it('gives up after the configured retries and rethrows the last error', async () => {
    const clock = fakeClock();
    let calls = 0;
    const last = networkError();
    await expect(withRetry(async () => {
      calls++;
      throw last;
    }, resolveRetryOptions({ retries: 2, sleep: clock.sleep }))).rejects.toBe(last);
    expect(calls).toBe(3);
  });

  it('does not repeat throttle_violation or other API errors', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw apiError(502, 'throttle_violation');
    }, resolveRetryOptions({ sleep: clock.sleep }))).rejects.toMatchObject({ errorId: 502 });
    expect([calls, clock.sleeps]).toEqual([1, []]);
  });

  it('stops in the delay before a retry when the signal aborts, and repeats nothing', async () => {
    const clock = fakeClock();
    let calls = 0;
    const signals: Array<AbortSignal | undefined> = [];
    // A delay that never ends: only the abort can end it.
    const sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
      clock.sleeps.push(ms);
      signals.push(signal);
      return new Promise<void>(() => undefined);
    };
    const controller = new AbortController();
    const running = withRetry(async () => {
      calls++;
      throw networkError();
    }, resolveRetryOptions({ minDelay: 100, random: () => 0, sleep }), controller.signal);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.sleeps).toEqual([50]);
    expect(signals).toEqual([controller.signal]);
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    expect(calls).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the abort reason instead of retrying a failure that came after the abort', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    let calls = 0;
    const reason = new Error('user navigated away');
    await expect(withRetry(async () => {
      calls++;
      controller.abort(reason);
      throw networkError();
    }, resolveRetryOptions({ sleep: clock.sleep }), controller.signal)).rejects.toBe(reason);
    expect([calls, clock.sleeps]).toEqual([1, []]);
  });
});

describe('resolveRetryOptions', () => {
  it('defaults to 3 retries from 500 ms and validates', () => {
    expect(resolveRetryOptions()).toMatchObject({ retries: 3, minDelay: 500, maxDelay: 8000 });
    expect(() => resolveRetryOptions({ retries: -1 })).toThrow(/retry\.retries/);
    expect(() => resolveRetryOptions({ retries: 1.5 })).toThrow(/retry\.retries/);
    expect(() => resolveRetryOptions({ minDelay: Number.NaN })).toThrow(/retry\.minDelay/);
  });
});
