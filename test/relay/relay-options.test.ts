import { describe, expect, it } from 'vitest';
import { MemoryRelayStore } from '../../src/relay/memory-store.js';
import { resolveRelayOptions } from '../../src/relay/relay-options.js';

describe('resolveRelayOptions', () => {
  it('applies the defaults: a memory store it owns, 300 s, no allowlist, 30 s waits, a rate limit', async () => {
    const options = resolveRelayOptions();
    expect(options.store).toBeInstanceOf(MemoryRelayStore);
    expect(options.ownsStore).toBe(true);
    expect(options.ttlMs).toBe(300_000);
    expect(options.clientIds).toBeUndefined();
    expect(options.maxWait).toBe(30);
    expect(options.limiter).toBeDefined();
    expect(options.writeLimiter).toBeDefined();
    await options.store.close?.();
  });

  it('keeps a given store (not owned), converts ttl to ms and the allowlist to a set', () => {
    const store = new MemoryRelayStore();
    const options = resolveRelayOptions({ store, ttl: 1.5, clientIds: ['1234', 'my-app'], rateLimit: false, writeRateLimit: false });
    expect(options.store).toBe(store);
    expect(options.ownsStore).toBe(false);
    expect(options.ttlMs).toBe(1500);
    expect(options.clientIds).toEqual(new Set(['1234', 'my-app']));
    expect(options.limiter).toBeUndefined();
    expect(options.writeLimiter).toBeUndefined();
    void store.close();
  });

  it('throws a TypeError naming each bad option, with an example', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /tokenRelay: options must be an object/],
      [{ store: {} }, /options\.store .*e\.g\. store: new RedisRelayStore/],
      [{ ttl: 0 }, /options\.ttl .*e\.g\. ttl: 300/],
      [{ ttl: 7200 }, /options\.ttl/],
      [{ ttl: '300' }, /options\.ttl/],
      [{ clientIds: [] }, /options\.clientIds .*e\.g\. clientIds: \['1234'\]/],
      [{ clientIds: '1234' }, /options\.clientIds/],
      [{ clientIds: ['a:b'] }, /options\.clientIds/],
      [{ maxWait: 61 }, /options\.maxWait/],
      [{ maxWait: 1.5 }, /options\.maxWait/],
      [{ rateLimit: 5 }, /options\.rateLimit must be an object or false/],
      [{ store: null }, /options\.store/],
      [{ rateLimit: { burst: -1 } }, /options\.rateLimit\.burst/],
      [{ writeRateLimit: 'x' }, /options\.writeRateLimit must be an object or false/],
      [{ writeRateLimit: { perSecond: 0 } }, /options\.writeRateLimit\.perSecond .*e\.g\. perSecond: 0\.1/],
      [{ writeRatelimit: {} }, /unknown option "writeRatelimit" \(did you mean writeRateLimit\?\)/],
      [{ maxwait: 5 }, /did you mean maxWait\?/],
    ];
    for (const [options, message] of cases) {
      expect(() => resolveRelayOptions(options as never), JSON.stringify(options)).toThrow(TypeError);
      expect(() => resolveRelayOptions(options as never)).toThrow(message);
    }
  });
});
