import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackoffRegistry } from '../../src/api/backoff-registry.js';
import { fakeClock } from './fake-clock.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('BackoffRegistry', () => {
  it('holds calls of a family until its backoff has passed, and only that family', async () => {
    const clock = fakeClock();
    const registry = new BackoffRegistry({ now: clock.now, sleep: clock.sleep });
    registry.set('/users/{ids}', 5);
    expect(registry.remaining('/users/{ids}')).toBe(5000);
    expect(registry.remaining('/questions')).toBe(0);
    await registry.wait('/questions');
    expect(clock.sleeps).toEqual([]);
    const before = clock.now();
    await registry.wait('/users/{ids}');
    expect(clock.now() - before).toBe(5000);
    expect(registry.remaining('/users/{ids}')).toBe(0);
  });

  it('keeps the longer of two backoffs and ignores nonsense', () => {
    const clock = fakeClock();
    const registry = new BackoffRegistry({ now: clock.now, sleep: clock.sleep });
    registry.set('/me', 10);
    registry.set('/me', 2);
    expect(registry.remaining('/me')).toBe(10_000);
    registry.set('/sites', 0);
    registry.set('/sites', -3);
    registry.set('/sites', Number.NaN);
    expect(registry.remaining('/sites')).toBe(0);
  });

  it('waits again when the backoff is extended while waiting', async () => {
    const clock = fakeClock();
    let registry: BackoffRegistry | undefined;
    let extended = false;
    const sleep = async (ms: number): Promise<void> => {
      await clock.sleep(ms);
      if (!extended) {
        extended = true;
        registry?.set('/questions', 3);
      }
    };
    registry = new BackoffRegistry({ now: clock.now, sleep });
    registry.set('/questions', 1);
    const before = clock.now();
    await registry.wait('/questions');
    expect(clock.now() - before).toBe(4000);
  });

  it('shrinks seconds with secondMs and validates it', () => {
    const clock = fakeClock();
    const registry = new BackoffRegistry({ secondMs: 10, now: clock.now, sleep: clock.sleep });
    registry.set('/me', 3);
    expect(registry.remaining('/me')).toBe(30);
    expect(() => new BackoffRegistry({ secondMs: 0 })).toThrow(/options\.secondMs/);
  });

  it('is not stretched when the wall clock is set back (the default clock is monotonic)', () => {
    let step = 0;
    const wall = Date.now;
    vi.spyOn(Date, 'now').mockImplementation(() => wall() + step);
    const registry = new BackoffRegistry();
    registry.set('/users/{ids}', 2);
    step = -3_600_000;
    expect(registry.remaining('/users/{ids}')).toBeLessThanOrEqual(2000);
  });

  it('stops waiting when the signal aborts, even with a sleep that ignores it', async () => {
    const clock = fakeClock();
    const signals: Array<AbortSignal | undefined> = [];
    // A sleep that never ends: only the abort can end the wait.
    const sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
      clock.sleeps.push(ms);
      signals.push(signal);
      return new Promise<void>(() => undefined);
    };
    const registry = new BackoffRegistry({ now: clock.now, sleep });
    registry.set('/users/{ids}', 30);
    const controller = new AbortController();
    const waiting = registry.wait('/users/{ids}', controller.signal);
    await Promise.resolve();
    expect(clock.sleeps).toEqual([30_000]);
    expect(signals).toEqual([controller.signal]);
    controller.abort();
    await expect(waiting).rejects.toBe(controller.signal.reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // The backoff itself still holds for everyone else.
    expect(registry.remaining('/users/{ids}')).toBe(30_000);
  });

  it('rejects at once, without sleeping, when the signal has already aborted', async () => {
    const clock = fakeClock();
    const registry = new BackoffRegistry({ now: clock.now, sleep: clock.sleep });
    registry.set('/me', 5);
    const reason = new Error('cancelled');
    await expect(registry.wait('/me', AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(clock.sleeps).toEqual([]);
  });
});
