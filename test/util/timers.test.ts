import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, deadline, realSleep, withTimeout } from '../../src/util/timers.js';

describe('realSleep', () => {
  it('never asks for a timer longer than Node keeps (which would fire after 1 ms)', () => {
    const timer = vi.spyOn(globalThis, 'setTimeout');
    void realSleep(2 ** 40);
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
    expect(timer).toHaveBeenCalledWith(expect.any(Function), MAX_TIMER_MS);
    clearTimeout(timer.mock.results[0]?.value as ReturnType<typeof setTimeout>);
  });

  it('stops on abort: clears its timer, rejects with the reason and leaves no listener', async () => {
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    const controller = new AbortController();
    const sleeping = realSleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    expect(cleared).toHaveBeenCalledTimes(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await realSleep(1, controller.signal).catch(() => undefined);
    const reused = new AbortController();
    await realSleep(1, reused.signal);
    expect(getEventListeners(reused.signal, 'abort')).toHaveLength(0);
    await expect(realSleep(1, AbortSignal.abort('gone'))).rejects.toBe('gone');
  });
});

describe('withTimeout', () => {
  it('gives the answer when it comes first, and the made error when the time runs out first', async () => {
    await expect(withTimeout(Promise.resolve('answer'), 1000, () => new Error('late'))).resolves.toBe('answer');
    await expect(withTimeout(new Promise<never>(() => undefined), 5, () => new Error('late'))).rejects.toThrow('late');
    await expect(withTimeout(Promise.reject(new Error('failed')), 1000, () => new Error('late'))).rejects.toThrow('failed');
  });
});

describe('deadline', () => {
  it('aborts with a TimeoutError once the time runs out, and says so (fake timers, no wall clock)', () => {
    vi.useFakeTimers();
    try {
      const limit = deadline(500, []);
      vi.advanceTimersByTime(499);
      expect(limit.signal.aborted).toBe(false);
      vi.advanceTimersByTime(1);
      expect(limit.signal.aborted).toBe(true);
      expect(limit.timedOut).toBe(true);
      expect(limit.signal.reason).toMatchObject({ name: 'TimeoutError' });
      limit.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it("aborts with a caller's own reason, at once when it already aborted, and leaves nothing behind on dispose", () => {
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    cleared.mockClear();
    const caller = new AbortController();
    const other = new AbortController();
    const limit = deadline(60_000, [undefined, caller.signal, other.signal]);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
    const reason = new Error('page closed');
    caller.abort(reason);
    expect(limit.signal.reason).toBe(reason);
    expect(limit.timedOut).toBe(false);
    limit.dispose();
    expect(cleared).toHaveBeenCalledTimes(1);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
    cleared.mockRestore();

    const early = deadline(60_000, [AbortSignal.abort('gone')]);
    expect(early.signal.reason).toBe('gone');
    early.dispose();
    const reused = new AbortController();
    for (let i = 0; i < 20; i++) deadline(60_000, [reused.signal]).dispose();
    expect(getEventListeners(reused.signal, 'abort')).toHaveLength(0);
  });
});
