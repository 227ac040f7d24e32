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
});
