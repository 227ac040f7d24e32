import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from '../../src/api/rate-limiter.js';
import { realSleep } from '../../src/util/timers.js';
import { fakeClock } from './fake-clock.js';

/** The most times that fall within any window of `interval` ms. */
function busiestWindow(times: number[], interval: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (const [i, t] of sorted.entries()) best = Math.max(best, sorted.slice(i).filter((u) => u < t + interval).length);
  return best;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('RateLimiter', () => {
  it('lets at most maxRequests through per rolling interval, and queues (never drops) the rest', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ maxRequests: 30, interval: 1000, now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    const times = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const release = await limiter.acquire();
        release();
        return clock.now() - start;
      }),
    );
    expect(times).toHaveLength(200);
    expect(busiestWindow(times, 1000)).toBe(30);
    // Tight: 200 requests at 30 per second need just over 6 windows, not more.
    expect(Math.max(...times)).toBe(6000);
  });

  it('counts the window from the release, so slow answers hold their slot longer', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ maxRequests: 2, interval: 1000, now: clock.now, sleep: clock.sleep });
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    let thirdAt: number | undefined;
    const third = limiter.acquire().then((release) => {
      thirdAt = clock.now();
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(thirdAt).toBeUndefined();
    clock.advance(300);
    first();
    first();
    second();
    (await third)();
    expect(thirdAt).toBe(1_000_000 + 300 + 1000);
    // The first two slots have left the window; the third, released just now, is still in it.
    expect(limiter.available).toBe(1);
  });

  it('lets callers through in arrival order', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ maxRequests: 2, interval: 100, now: clock.now, sleep: clock.sleep });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((n) => limiter.acquire().then((release) => {
      order.push(n);
      release();
    })));
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('frees slots as the window rolls on', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ maxRequests: 3, interval: 1000, now: clock.now, sleep: clock.sleep });
    (await limiter.acquire())();
    clock.advance(600);
    (await limiter.acquire())();
    (await limiter.acquire())();
    expect(limiter.available).toBe(0);
    clock.advance(400);
    expect(limiter.available).toBe(1);
    (await limiter.acquire())();
    expect(clock.sleeps).toEqual([]);
    (await limiter.acquire())();
    expect(clock.sleeps).toEqual([600]);
  });

  it('lets an aborted caller leave the queue without taking a slot; the others keep their order', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ maxRequests: 2, interval: 1000, now: clock.now, sleep: clock.sleep });
    const held = [await limiter.acquire(), await limiter.acquire()];
    const controllers = ['b', 'c', 'd', 'e'].map(() => new AbortController());
    const order: string[] = [];
    const waiting = ['b', 'c', 'd', 'e'].map((name, i) =>
      limiter.acquire(controllers[i]?.signal).then((release) => {
        order.push(name);
        release();
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    // b is at the head of the queue, d in the middle.
    controllers[0]?.abort();
    controllers[2]?.abort(new Error('d gave up'));
    await expect(waiting[0]).rejects.toMatchObject({ name: 'AbortError' });
    await expect(waiting[2]).rejects.toThrow('d gave up');
    for (const release of held) release();
    await Promise.all([waiting[1], waiting[3]]);
    expect(order).toEqual(['c', 'e']);
    // Four slots were used (a, a, c, e): the window holds exactly those.
    expect(limiter.available).toBe(0);
    clock.advance(1000);
    expect(limiter.available).toBe(2);
    expect(controllers.map((c) => getEventListeners(c.signal, 'abort').length)).toEqual([0, 0, 0, 0]);
  });

  it('rejects a caller whose signal has already aborted at once, taking nothing', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ maxRequests: 1, interval: 1000, now: clock.now, sleep: clock.sleep });
    const reason = new Error('too late');
    await expect(limiter.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(limiter.available).toBe(1);
  });

  it('holds one listener on the signal while queued and none once the slot is given', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ maxRequests: 1, interval: 1000, now: clock.now, sleep: clock.sleep });
    const first = await limiter.acquire();
    const { signal } = new AbortController();
    const second = limiter.acquire(signal);
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    first();
    (await second)();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it("frees a slot given back as 'unused' without counting it in the window", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ maxRequests: 2, interval: 1000, now: clock.now, sleep: clock.sleep });
    (await limiter.acquire())('unused');
    expect(limiter.available).toBe(2);
    (await limiter.acquire())();
    expect(limiter.available).toBe(1);
  });

  it('defaults to 30 per 1000 ms and validates its options', () => {
    const limiter = new RateLimiter();
    expect([limiter.maxRequests, limiter.interval]).toEqual([30, 1000]);
    expect(() => new RateLimiter({ maxRequests: 0 })).toThrow(/options\.maxRequests/);
    expect(() => new RateLimiter({ maxRequests: 2.5 })).toThrow(/options\.maxRequests/);
    expect(() => new RateLimiter({ interval: -1 })).toThrow(/options\.interval/);
  });

  it('is not held up when the wall clock is set back (the default clock is monotonic)', async () => {
    let step = 0;
    const wall = Date.now;
    vi.spyOn(Date, 'now').mockImplementation(() => wall() + step);
    const limiter = new RateLimiter({ maxRequests: 2, interval: 20 });
    (await limiter.acquire())();
    (await limiter.acquire())();
    step = -3_600_000;
    const next = await Promise.race([limiter.acquire().then(() => 'let through'), realSleep(5000).then(() => 'held')]);
    expect(next).toBe('let through');
  });
});
