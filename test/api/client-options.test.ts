import { describe, expect, it } from 'vitest';
import { MemoryApiLimits, sharedApiLimits } from '../../src/api/api-limits.js';
import { DEFAULT_API_URL, resolveClientOptions, type StackExchangeClientOptions } from '../../src/api/client-options.js';
import { MemoryResponseCache, sharedResponseCache } from '../../src/api/response-cache.js';

describe('resolveClientOptions', () => {
  it('applies the defaults', () => {
    const o = resolveClientOptions({ key: 'k((' });
    expect(o).toMatchObject({
      key: 'k((', accessToken: undefined, site: 'stackoverflow', apiURL: DEFAULT_API_URL, timeout: 10_000, concurrency: 3,
      deadline: 15_000, maxWait: 10_000, maxResponseBytes: 16 * 1024 * 1024, cacheTTL: 60_000, signal: undefined,
    });
    expect(o.retry).toMatchObject({ retries: 3, minDelay: 500, maxDelay: 8000 });
    // No fetch given: requests go out with node:http(s), not the global fetch.
    expect(o.fetch).toBeUndefined();
    expect(o.apiLimits).toBe(sharedApiLimits(DEFAULT_API_URL));
    expect(o.cache).toBe(sharedResponseCache(DEFAULT_API_URL));
  });

  it('normalises apiURL and shares limits per API root', () => {
    const a = resolveClientOptions({ key: 'k', apiURL: 'http://127.0.0.1:4000/2.3/' });
    const b = resolveClientOptions({ key: 'k', apiURL: 'http://127.0.0.1:4000/2.3' });
    const c = resolveClientOptions({ key: 'k', apiURL: 'http://localhost:4001/2.3' });
    expect(a.apiURL).toBe('http://127.0.0.1:4000/2.3');
    expect(a.apiLimits).toBe(b.apiLimits);
    expect(a.cache).toBe(b.cache);
    expect(c.apiLimits).not.toBe(a.apiLimits);
    expect(c.cache).not.toBe(a.cache);
  });

  it('takes given limits, cache, signal, retry: false and cache: false', () => {
    const apiLimits = new MemoryApiLimits({ maxRequests: 5 });
    const cache = new MemoryResponseCache();
    const { signal } = new AbortController();
    const o = resolveClientOptions({ key: 'k', apiLimits, cache, signal, retry: false });
    expect([o.apiLimits, o.cache, o.signal, o.retry]).toEqual([apiLimits, cache, signal, false]);
    expect(resolveClientOptions({ key: 'k', cache: false }).cache).toBe(false);
  });

  it('refuses the options 0.1 had for limits, naming the unknown key', () => {
    expect(() => resolveClientOptions({ key: 'k', rateLimiter: {} } as never)).toThrow('StackExchangeClient: unknown option "rateLimiter"');
    expect(() => resolveClientOptions({ key: 'k', maxWiat: 5 } as never)).toThrow('did you mean maxWait?');
  });

  const bad: Array<[string, Record<string, unknown>]> = [
    ['key', {}],
    ['key', { key: '' }],
    ['key', { key: 42 }],
    ['accessToken', { key: 'k', accessToken: '' }],
    ['site', { key: 'k', site: '' }],
    ['site', { key: 'k', site: 'stack overflow' }],
    ['apiURL', { key: 'k', apiURL: '/2.3' }],
    ['apiURL', { key: 'k', apiURL: 'ftp://api.example/2.3' }],
    ['apiURL', { key: 'k', apiURL: 'http://api.stackexchange.com/2.3' }],
    ['apiURL', { key: 'k', apiURL: 'https://api.example/2.3?x=1' }],
    ['apiURL', { key: 'k', apiURL: 'https://user:pw@api.example/2.3' }],
    ['timeout', { key: 'k', timeout: 0 }],
    ['timeout', { key: 'k', timeout: Number.POSITIVE_INFINITY }],
    ['timeout', { key: 'k', timeout: 2 ** 31 }],
    ['concurrency', { key: 'k', concurrency: 0 }],
    ['userAgent', { key: 'k', userAgent: 'a\r\nX-Evil: 1' }],
    ['fetch', { key: 'k', fetch: 'fetch' }],
    ['apiLimits', { key: 'k', apiLimits: { take: () => undefined } }],
    ['cache', { key: 'k', cache: true }],
    ['cacheTTL', { key: 'k', cacheTTL: 0 }],
    ['deadline', { key: 'k', deadline: -1 }],
    ['maxWait', { key: 'k', maxWait: Number.NaN }],
    ['maxResponseBytes', { key: 'k', maxResponseBytes: 1.5 }],
    ['signal', { key: 'k', signal: {} }],
    ['onQuota', { key: 'k', onQuota: 1 }],
    ['retry', { key: 'k', retry: 3 }],
    ['retry.retries', { key: 'k', retry: { retries: -1 } }],
    ['onBackoff', { key: 'k', onBackoff: 'log' }],
    ['onTokenRejected', { key: 'k', onTokenRejected: true }],
  ];

  it.each(bad)('throws a TypeError naming options.%s', (name, options) => {
    expect(() => resolveClientOptions(options as unknown as StackExchangeClientOptions)).toThrow(TypeError);
    expect(() => resolveClientOptions(options as unknown as StackExchangeClientOptions)).toThrow(`options.${name}`);
  });

  it('throws without options and shows an example in every message', () => {
    expect(() => resolveClientOptions(undefined as unknown as StackExchangeClientOptions)).toThrow(/options are required/);
    expect(() => resolveClientOptions({ key: '' })).toThrow(/\(e\.g\. key: /);
  });
});
