import { describe, expect, it } from 'vitest';
import { NetworkErrorCode, StackExchangeNetworkError, isStackExchangeNetworkError } from '../../src/errors/network-error.js';

describe('StackExchangeNetworkError', () => {
  it('answers 503 and keeps the method and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new StackExchangeNetworkError('GET /me timed out', { code: NetworkErrorCode.Timeout, method: '/me', cause });
    expect([err.status, err.statusCode, err.code, err.method, err.cause]).toEqual([503, 503, 'NETWORK_TIMEOUT', '/me', cause]);
    expect(isStackExchangeNetworkError(err)).toBe(true);
    expect(isStackExchangeNetworkError(cause)).toBe(false);
  });

  it('answers 502 for an unreadable answer when told so', () => {
    const err = new StackExchangeNetworkError('GET /me: the answer is not JSON', { code: NetworkErrorCode.Failed, method: '/me', status: 502 });
    expect([err.status, err.statusCode]).toEqual([502, 502]);
  });
});

describe('NetworkErrorCode', () => {
  it('lists every code once', () => {
    expect(Object.values(NetworkErrorCode)).toEqual(['NETWORK_TIMEOUT', 'NETWORK_FAILED', 'NETWORK_TOO_LARGE', 'NETWORK_DEADLINE', 'LIMITS_UNAVAILABLE']);
  });
});
