import { describe, expect, it } from 'vitest';
import { quotaId, requestKey, tokenGroup } from '../../src/api/request-key.js';

describe('request keys', () => {
  it('hash the whole URL: equal for the same request, different otherwise, no secret in clear', () => {
    const url = 'https://api.stackexchange.com/2.3/me?site=stackoverflow&key=K3Y((&access_token=T0K))';
    expect(requestKey(url)).toBe(requestKey(url));
    expect(requestKey(url)).not.toBe(requestKey(url.replace('T0K', 'T1K')));
    for (const key of [requestKey(url), tokenGroup('https://a/2.3', 'K3Y((', 'T0K))'), quotaId('https://a/2.3', 'K3Y((', 'T0K))')]) {
      expect(key).toMatch(/^[\w-]{43}$/);
      expect(key).not.toContain('K3Y');
      expect(key).not.toContain('T0K');
    }
  });

  it('keep quota per key, and per key and token', () => {
    expect(quotaId('r', 'k', undefined)).toBe(quotaId('r', 'k', undefined));
    expect(quotaId('r', 'k', 't')).not.toBe(quotaId('r', 'k', undefined));
    expect(quotaId('r', 'k', 't')).not.toBe(tokenGroup('r', 'k', 't'));
  });
});
