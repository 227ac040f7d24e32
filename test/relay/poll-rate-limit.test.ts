import { describe, expect, it } from 'vitest';
import { PollRateLimiter } from '../../src/relay/poll-rate-limit.js';

describe('PollRateLimiter', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    let now = 0;
    const limiter = new PollRateLimiter({ burst: 3, perSecond: 0.5, now: () => now });
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfter: 2 });
    now += 2000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('keeps one bucket per client', () => {
    const limiter = new PollRateLimiter({ burst: 1, perSecond: 1, now: () => 0 });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('never refills beyond the burst', () => {
    let now = 0;
    const limiter = new PollRateLimiter({ burst: 2, perSecond: 100, now: () => now });
    now += 60_000;
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, false]);
  });

  it('tracks at most maxClients addresses, forgetting the least recently seen', () => {
    const limiter = new PollRateLimiter({ burst: 1, perSecond: 0.001, maxClients: 2, now: () => 0 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    // 'a' was forgotten, so it starts with a full bucket again; 'c' was not.
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('c').allowed).toBe(false);
  });

  it('throws a TypeError naming a bad option', () => {
    expect(() => new PollRateLimiter({ burst: 0 })).toThrow(/options\.rateLimit\.burst/);
    expect(() => new PollRateLimiter({ perSecond: Number.NaN })).toThrow(/perSecond/);
  });
});
