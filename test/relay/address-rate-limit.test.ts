import { describe, expect, it } from 'vitest';
import { AddressRateLimiter, clientOf } from '../../src/relay/address-rate-limit.js';

const DEFAULTS = { burst: 30, perSecond: 5 };

describe('AddressRateLimiter', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    let now = 0;
    const limiter = new AddressRateLimiter({ burst: 3, perSecond: 0.5, now: () => now }, DEFAULTS);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfter: 2 });
    now += 2000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('uses the defaults it is given for what the options leave out', () => {
    const limiter = new AddressRateLimiter({ now: () => 0 }, { burst: 2, perSecond: 0.1 });
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([{ allowed: true }, { allowed: true }, { allowed: false, retryAfter: 10 }]);
  });

  it('keeps one bucket per client', () => {
    const limiter = new AddressRateLimiter({ burst: 1, perSecond: 1, now: () => 0 }, DEFAULTS);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('counts IPv6 addresses per /64 and IPv4-mapped addresses as IPv4', () => {
    const limiter = new AddressRateLimiter({ burst: 1, perSecond: 0.001, now: () => 0 }, DEFAULTS);
    expect(limiter.take('2001:db8:1:2::1').allowed).toBe(true);
    expect(limiter.take('2001:db8:1:2:ffff:1:2:3').allowed).toBe(false);
    expect(limiter.take('2001:db8:1:3::1').allowed).toBe(true);
    expect(limiter.take('192.0.2.1').allowed).toBe(true);
    expect(limiter.take('::ffff:192.0.2.1').allowed).toBe(false);
    expect(clientOf('2001:0db8:0001:0002:0:0:0:1')).toBe('2001:db8:1:2::/64');
    expect(clientOf('::1')).toBe('0:0:0:0::/64');
    expect(clientOf('fe80::1')).toBe('fe80:0:0:0::/64');
  });

  it('never refills beyond the burst, nor when the clock steps back', () => {
    let now = 60_000;
    const limiter = new AddressRateLimiter({ burst: 2, perSecond: 100, now: () => now }, DEFAULTS);
    now += 60_000;
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, false]);
    now -= 30_000;
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('tracks at most maxClients addresses, forgetting the least recently seen', () => {
    const limiter = new AddressRateLimiter({ burst: 1, perSecond: 0.001, maxClients: 2, now: () => 0 }, DEFAULTS);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    // 'a' was forgotten, so it starts with a full bucket again; 'c' was not.
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('c').allowed).toBe(false);
  });

  it('refuses an unknown key as every options object does, naming it and the nearest known one', () => {
    expect(() => new AddressRateLimiter({ brust: 5 } as never, DEFAULTS)).toThrow(TypeError);
    expect(() => new AddressRateLimiter({ brust: 5 } as never, DEFAULTS)).toThrow('tokenRelay: options.rateLimit: unknown option "brust" (did you mean burst?)');
    expect(() => new AddressRateLimiter({ persecond: 1 } as never, DEFAULTS, 'tokenRelay: options.writeRateLimit')).toThrow(
      'tokenRelay: options.writeRateLimit: unknown option "persecond" (did you mean perSecond?)',
    );
    expect(() => new AddressRateLimiter({ window: 1 } as never, DEFAULTS)).toThrow(/unknown option "window"$/);
    expect(() => new AddressRateLimiter(null as never, DEFAULTS)).toThrow(/^tokenRelay: options\.rateLimit: options must be an object \(e\.g\. \{ burst: 30, perSecond: 5 \}\)$/);
  });

  it('refuses a bad value naming its path, with the default as the example', () => {
    const positive = (path: string, example: string): RegExp => new RegExp(`^${path.replaceAll('.', '\\.')} must be a positive number no greater than \\d+ \\(e\\.g\\. ${example.replaceAll('.', '\\.')}\\)$`);
    expect(() => new AddressRateLimiter({ burst: 0 }, DEFAULTS)).toThrow(positive('tokenRelay: options.rateLimit.burst', 'burst: 30'));
    expect(() => new AddressRateLimiter({ burst: '5' } as never, DEFAULTS)).toThrow(positive('tokenRelay: options.rateLimit.burst', 'burst: 30'));
    expect(() => new AddressRateLimiter({ perSecond: Number.NaN }, { burst: 20, perSecond: 0.1 }, 'tokenRelay: options.writeRateLimit')).toThrow(
      positive('tokenRelay: options.writeRateLimit.perSecond', 'perSecond: 0.1'),
    );
    expect(() => new AddressRateLimiter({ maxClients: Infinity }, DEFAULTS)).toThrow(positive('tokenRelay: options.rateLimit.maxClients', 'maxClients: 10000'));
    expect(() => new AddressRateLimiter({ now: 5 } as never, DEFAULTS)).toThrow('tokenRelay: options.rateLimit.now must be a function (e.g. now: () => Date.now())');
  });
});
