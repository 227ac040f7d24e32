import { describe, expect, it } from 'vitest';
import { BackoffRegistry } from '../../src/api/backoff-registry.js';
import { DEFAULT_API_URL, resolveClientOptions, type StackExchangeClientOptions } from '../../src/api/client-options.js';
import { RateLimiter } from '../../src/api/rate-limiter.js';
import { sharedBackoffRegistry, sharedRateLimiter } from '../../src/api/shared-limits.js';

describe('resolveClientOptions', () => {
  it('applies the defaults', () => {
    const o = resolveClientOptions({ key: 'k((' });
    expect(o).toMatchObject({ key: 'k((', accessToken: undefined, site: 'stackoverflow', apiURL: DEFAULT_API_URL, timeout: 10_000, concurrency: 3 });
    expect(o.retry).toMatchObject({ retries: 3, minDelay: 500, maxDelay: 8000 });
    expect(o.fetch).toBe(globalThis.fetch);
    expect(o.rateLimiter).toBe(sharedRateLimiter(DEFAULT_API_URL));
    expect(o.backoffRegistry).toBe(sharedBackoffRegistry(DEFAULT_API_URL));
  });

  it('normalises apiURL and shares limits per API root', () => {
    const a = resolveClientOptions({ key: 'k', apiURL: 'http://127.0.0.1:4000/2.3/' });
    const b = resolveClientOptions({ key: 'k', apiURL: 'http://127.0.0.1:4000/2.3' });
    const c = resolveClientOptions({ key: 'k', apiURL: 'http://localhost:4001/2.3' });
    expect(a.apiURL).toBe('http://127.0.0.1:4000/2.3');
    expect(a.rateLimiter).toBe(b.rateLimiter);
    expect(a.backoffRegistry).toBe(b.backoffRegistry);
    expect(c.rateLimiter).not.toBe(a.rateLimiter);
  });

  it('takes a given limiter, registry and retry: false', () => {
    const rateLimiter = new RateLimiter({ maxRequests: 5 });
    const backoffRegistry = new BackoffRegistry();
    const o = resolveClientOptions({ key: 'k', rateLimiter, backoffRegistry, retry: false });
    expect([o.rateLimiter, o.backoffRegistry, o.retry]).toEqual([rateLimiter, backoffRegistry, false]);
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
    ['rateLimiter', { key: 'k', rateLimiter: { acquire: () => undefined } }],
    ['backoffRegistry', { key: 'k', backoffRegistry: {} }],
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
